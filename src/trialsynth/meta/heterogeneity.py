"""Heterogeneity statistics: Q, I^2, H^2 and the Q-profile confidence interval for tau^2.

Batched over datasets like :mod:`trialsynth.meta.tau2`. I^2 and H^2 follow metafor: for a
random-effects model they are derived from tau^2 and the "typical" within-study variance
``(k - 1) / tr(P)`` (Higgins & Thompson 2002, eq. 9); for the fixed-effect model from Q.

References
----------
Higgins, J. P. T. & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis.
*Stat Med* 21, 1539-1558.
Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in meta-analysis.
*Stat Med* 26, 37-52 (Q-profile method).
wviechtb/metafor ``R/rma.uni.r`` and ``R/confint.rma.uni.r``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialsynth.meta.brent import brent_root
from trialsynth.meta.distributions import chi2_isf, chi2_ppf
from trialsynth.meta.tau2 import q_statistic, weighted_sums


def typical_within_variance(v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """metafor's ``vt = (k - 1) / tr(P)`` with fixed-effect weights ``1/v``."""
    k = mask.sum(axis=1)
    w = weighted_sums(v, mask, np.zeros(len(v)))
    sw = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (k - 1) / (sw - (w**2).sum(axis=1) / sw)


def i2_h2(
    tau2: np.ndarray, q: np.ndarray, k: np.ndarray, vt: np.ndarray, fixed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """I^2 (percent) and H^2 as metafor reports them for the chosen model."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if fixed:
            df = k - 1
            return np.maximum(0.0, 100 * (q - df) / q), q / df
        return 100 * tau2 / (vt + tau2), tau2 / vt + 1


@dataclass(frozen=True)
class QProfile:
    """Q-profile confidence limits of tau^2 (NaN where undefined) with convergence flags."""

    lower: np.ndarray
    upper: np.ndarray
    converged: np.ndarray


def q_profile_ci(
    y: np.ndarray, v: np.ndarray, mask: np.ndarray, tau2: np.ndarray, level: float = 95.0
) -> QProfile:
    """Q-profile CI for tau^2: the tau^2 values where generalised Q hits the chi^2(k-1) quantiles.

    Bounds are searched on ``[0, max(100, 10 tau2)]`` with R's Brent algorithm and truncated at 0
    exactly as ``confint.rma.uni`` does; datasets with k < 2 get NaN.
    """
    n = len(y)
    k = mask.sum(axis=1)
    df = np.maximum(k - 1, 1)
    alpha = 1 - level / 100
    crit_u = chi2_isf(alpha / 2, df)
    crit_l = chi2_ppf(alpha / 2, df)
    lo_bound = np.minimum(0.0, tau2)
    hi_bound = np.maximum(100.0, tau2 * 10)
    q_min = q_statistic(y, v, mask, lo_bound)
    q_max = q_statistic(y, v, mask, hi_bound)
    lower = np.full(n, np.nan)
    upper = np.full(n, np.nan)
    search = _QProfileSearch(y, v, mask, lo_bound, hi_bound, np.ones(n, dtype=bool))
    # upper limit: Q(lo_bound) already below the lower quantile puts both limits at lo_bound
    search.limit(upper, lower, crit_l, q_min < crit_l, lo_bound, q_max > crit_l, hi_bound)
    # lower limit: Q(hi_bound) still above the upper quantile puts both limits at hi_bound
    search.limit(lower, upper, crit_u, q_max > crit_u, hi_bound, q_min < crit_u, lo_bound)
    small = k < 2
    lower[small] = np.nan
    upper[small] = np.nan
    return QProfile(lower, upper, search.converged)


@dataclass(frozen=True)
class _QProfileSearch:
    """The datasets and search interval of :func:`q_profile_ci`; ``converged`` is updated."""

    y: np.ndarray
    v: np.ndarray
    mask: np.ndarray
    lo_bound: np.ndarray
    hi_bound: np.ndarray
    converged: np.ndarray

    def limit(
        self,
        limit: np.ndarray,
        other: np.ndarray,
        crit: np.ndarray,
        settled: np.ndarray,
        settled_at: np.ndarray,
        at_edge: np.ndarray,
        edge: np.ndarray,
    ) -> None:
        """Fill one CI limit in place: ``settled`` rows put both limits at ``settled_at``; rows
        ``at_edge`` put this limit at ``edge``; the others search Q = ``crit`` by Brent."""
        limit[settled] = settled_at[settled]
        other[settled] = settled_at[settled]
        at_edge = ~settled & at_edge
        limit[at_edge] = edge[at_edge]
        rows = np.flatnonzero(~settled & ~at_edge)
        if len(rows):
            limit[rows], ok = _q_profile_root(
                self.y, self.v, self.mask, crit, self.lo_bound, self.hi_bound, rows
            )
            self.converged[rows] &= ok


def _q_profile_root(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray,
    crit: np.ndarray,
    lo_bound: np.ndarray,
    hi_bound: np.ndarray,
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """tau^2 where the generalised Q statistic equals ``crit`` for the datasets ``rows``
    (Viechtbauer 2007, Stat Med 26:37-52), found with the vectorised port of R's ``uniroot``."""
    return brent_root(
        lambda t, sub: (
            q_statistic(y[rows[sub]], v[rows[sub]], mask[rows[sub]], t) - crit[rows[sub]]
        ),
        lo_bound[rows],
        hi_bound[rows],
    )
