"""Effect sizes and sampling variances with metafor ``escalc`` conventions, and zero-cell handling.

Measures and their columns are in :mod:`trialsynth.meta.measures`. Two-arm counts: log risk
ratio, log odds ratio, risk difference. Two-arm means: mean difference (``yi = m1 - m2``,
``vi = sd1^2/n1 + sd2^2/n2``, metafor ``vtype="LS"``) and Hedges' g with the exact bias correction
and the large-sample variance (metafor ``vtype="LS"``). Single-arm counts: logit proportion.
Precomputed: ``yi, vi`` as given.

Zero cells follow metafor ``escalc``: ``add`` (default 1/2) is added to every cell of a study that
has a zero cell (``to="only0"``), to all studies (``"all"``), to all studies when any has a
zero cell (``"if0all"``) or never (``"none"``); with ``drop00=True`` studies with no events (or
only events) in both groups are dropped. The addition applies to RR, OR, RD and PLO.

References
----------
Viechtbauer, W. metafor ``R/escalc.r``; Hedges, L. V. (1981). Distribution theory for Glass's
estimator of effect size. *J Educ Stat* 6, 107-128 (bias correction ``c(m)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trialsynth.meta.measures import CONTINUOUS, PRECOMPUTED, SINGLE_ARM, get_measure

ZERO_CELL_RULES = ("only0", "all", "if0all", "none")


@dataclass(frozen=True)
class ZeroCellSettings:
    """Zero-cell correction: ``add`` to cells, rule ``to``, and whether to drop double zeros."""

    add: float = 0.5
    to: str = "only0"
    drop00: bool = False

    def as_dict(self) -> dict[str, object]:
        """Plain dict for the JSON ``settings``."""
        return {"add": self.add, "to": self.to, "drop00": self.drop00}


@dataclass
class EffectSizes:
    """``yi``/``vi`` per kept study, with the labels and the corrections applied."""

    yi: np.ndarray
    vi: np.ndarray
    study: list[str]
    kept_rows: np.ndarray
    corrected: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def records(self) -> list[str]:
        """``row N (study LABEL)`` per kept study (1-based input rows), for error messages."""
        return [
            f"row {r + 1} (study {label})"
            for r, label in zip(self.kept_rows, self.study, strict=True)
        ]

    def kept(self, data: pd.DataFrame) -> pd.DataFrame:
        """The rows of the input table ``data`` whose effect sizes were kept, renumbered 0..k-1."""
        return data.iloc[self.kept_rows].reset_index(drop=True)

    def correction_warnings(self, add: float) -> list[str]:
        """The warnings a fit reports for dropped double-zero and zero-cell-corrected studies."""
        warnings: list[str] = []
        if self.dropped:
            warnings.append(
                f"dropped {len(self.dropped)} double-zero stud(ies): {', '.join(self.dropped)}"
            )
        if self.corrected:
            warnings.append(
                f"added {add} to the cells of {len(self.corrected)} stud(ies) with zero cells"
            )
        return warnings

    def corrections(self) -> dict[str, Any]:
        """The ``corrections`` block of a result: zero-cell-corrected and dropped studies."""
        return {
            "zero_cell_added": len(self.corrected),
            "zero_cell_studies": self.corrected,
            "dropped_double_zero": len(self.dropped),
            "dropped_studies": self.dropped,
        }


def hedges_correction(m: np.ndarray) -> np.ndarray:
    """Exact small-sample correction ``c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``."""
    # imported here: the outcomes stage imports this module for its settings and proportion
    # effect sizes, and would otherwise start scipy.special (~0.2 s) for nothing
    from scipy.special import gammaln

    return np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))


def _zero_cell_rows(cells: list[np.ndarray], settings: ZeroCellSettings) -> np.ndarray:
    has_zero = np.zeros(len(cells[0]), dtype=bool)
    for cell in cells:
        has_zero |= cell == 0
    if settings.to == "only0":
        return has_zero
    if settings.to == "all":
        return np.ones_like(has_zero)
    if settings.to == "if0all":
        return np.full_like(has_zero, has_zero.any())
    return np.zeros_like(has_zero)


def compute_effect_sizes(
    data: pd.DataFrame,
    measure: str,
    study: list[str],
    zero_cells: ZeroCellSettings | None = None,
) -> EffectSizes:
    """Compute ``yi, vi`` for validated numeric ``data`` (see :mod:`trialsynth.meta.validate`).

    Floating-point overflow is not reported here: the caller checks the results with
    :func:`trialsynth.meta.validate.check_effect_sizes`, which names the row.
    """
    with np.errstate(all="ignore"):
        return _effect_sizes(data, measure, study, zero_cells)


def _effect_sizes(
    data: pd.DataFrame,
    measure: str,
    study: list[str],
    zero_cells: ZeroCellSettings | None,
) -> EffectSizes:
    settings = zero_cells or ZeroCellSettings()
    rows = np.arange(len(data))
    spec = get_measure(measure)
    if spec.kind == PRECOMPUTED:
        return EffectSizes(data["yi"].to_numpy(float), data["vi"].to_numpy(float), study, rows)
    if spec.kind == CONTINUOUS:
        m1, sd1, n1, m2, sd2, n2 = (data[c].to_numpy(float) for c in spec.columns)
        if measure == "MD":
            return EffectSizes(m1 - m2, sd1**2 / n1 + sd2**2 / n2, study, rows)
        sp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
        yi = hedges_correction(n1 + n2 - 2) * (m1 - m2) / sp
        vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
        return EffectSizes(yi, vi, study, rows)
    if spec.kind == SINGLE_ARM:
        xi = data["xi"].to_numpy(float)
        mi = data["ni"].to_numpy(float) - xi
        fix = _zero_cell_rows([xi, mi], settings)
        xi, mi = xi + settings.add * fix, mi + settings.add * fix
        yi = np.log(xi / mi)
        vi = 1 / xi + 1 / mi
        return EffectSizes(yi, vi, study, rows, [study[i] for i in np.flatnonzero(fix)])
    ai, bi, ci, di = (data[c].to_numpy(float) for c in spec.columns)
    keep = np.ones(len(ai), dtype=bool)
    if settings.drop00:
        keep = ~(((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0)))
    dropped = [study[i] for i in np.flatnonzero(~keep)]
    ai, bi, ci, di, rows = ai[keep], bi[keep], ci[keep], di[keep], rows[keep]
    kept_study = [study[i] for i in rows]
    fix = _zero_cell_rows([ai, bi, ci, di], settings)
    ai, bi, ci, di = (cell + settings.add * fix for cell in (ai, bi, ci, di))
    n1, n2 = ai + bi, ci + di
    if measure == "RR":
        yi = np.log(ai / n1) - np.log(ci / n2)
        vi = 1 / ai - 1 / n1 + 1 / ci - 1 / n2
    elif measure == "OR":
        yi = np.log(ai * di / (bi * ci))
        vi = 1 / ai + 1 / bi + 1 / ci + 1 / di
    else:
        p1, p2 = ai / n1, ci / n2
        yi = p1 - p2
        vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    corrected = [kept_study[i] for i in np.flatnonzero(fix)]
    return EffectSizes(yi, vi, kept_study, rows, corrected, dropped)
