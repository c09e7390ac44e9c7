"""Subgroup analysis: one model per level (own tau^2) and the test for subgroup differences.

The test for subgroup differences is a fixed-effect Q over the subgroup estimates with their
squared standard errors as variances, df = groups - 1 (Borenstein et al. 2009, ch. 19;
Cochrane Handbook 10.11.3.1; computed as in ``metafor_reference.R``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialsynth.meta.batch import BatchFit, fit_batch, pad
from trialsynth.meta.distributions import chi2_sf


@dataclass(frozen=True)
class SubgroupResult:
    """Per-level fits (levels in order of first appearance) and the between-subgroup Q test."""

    levels: list[str]
    fits: BatchFit
    Q_between: float
    Q_between_df: int
    Q_between_p: float

    def as_dict(self) -> dict[str, object]:
        """JSON ``subgroups`` plus ``Q_between``, ``Q_between_df`` and ``Q_between_p``."""
        f = self.fits
        groups = {
            level: {
                "k": int(f.k[i]),
                "estimate": float(f.pooled.estimate[i]),
                "se": float(f.pooled.se[i]),
                "ci_lb": float(f.pooled.ci_lb[i]),
                "ci_ub": float(f.pooled.ci_ub[i]),
                "pval": float(f.pooled.pval[i]),
                "tau2": float(f.tau2[i]),
                "I2": float(f.I2[i]),
            }
            for i, level in enumerate(self.levels)
        }
        return {
            "subgroups": groups,
            "Q_between": self.Q_between,
            "Q_between_df": self.Q_between_df,
            "Q_between_p": self.Q_between_p,
        }


def fit_subgroups(
    yi: np.ndarray,
    vi: np.ndarray,
    groups: list[str],
    method: str,
    test: str,
    pi: str = "hts",
    level: float = 95.0,
) -> SubgroupResult:
    """Fit each subgroup separately and test the differences between them."""
    levels = list(dict.fromkeys(groups))
    labels = np.asarray(groups, dtype=object)
    parts = [np.flatnonzero(labels == lv) for lv in levels]
    y, v, mask = pad([yi[p] for p in parts], [vi[p] for p in parts])
    fits = fit_batch(y, v, mask, method, test, pi, level, q_profile=False)
    est = fits.pooled.estimate
    w = 1 / fits.pooled.se**2
    mu = (w * est).sum() / w.sum()
    q = float((w * (est - mu) ** 2).sum())
    df = len(levels) - 1
    p = float(chi2_sf(q, df)) if df > 0 else float("nan")
    return SubgroupResult(levels, fits, q, df, p)
