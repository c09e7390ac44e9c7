"""Sensitivity analyses: leave-one-out, cumulative meta-analysis and Egger's regression test.

Leave-one-out and cumulative refits are rows of one batched fit (:mod:`trialsynth.meta.batch`),
with the same estimator and test as the main model (metafor ``leave1out``, ``cumul``).

References
----------
Egger, M., Davey Smith, G., Schneider, M. & Minder, C. (1997). Bias in meta-analysis detected by a
simple, graphical test. *BMJ* 315, 629-634 (metafor ``regtest(model="lm")``: weighted least squares
of ``yi`` on ``sqrt(vi)`` with weights ``1/vi``, t test of the slope with k - 2 df).
wviechtb/metafor ``R/leave1out.rma.uni.r``, ``R/cumul.rma.uni.r``, ``R/regtest.rma.r``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from trialsynth.meta.batch import BatchFit, fit_in_blocks

#: Egger's test is reported only with at least this many studies (Cochrane Handbook 10.4.3.1).
EGGER_MIN_K = 10


def leave_one_out(
    yi: np.ndarray,
    vi: np.ndarray,
    method: str,
    test: str,
    pi: str = "hts",
    level: float = 95.0,
    q_profile: bool = False,
) -> BatchFit:
    """Refit the model k times, each time without one study (row i omits study i).

    Rows are fitted in blocks (:func:`~trialsynth.meta.batch.fit_in_blocks`), so memory grows
    linearly with k; no k x k array is built.
    """
    k = len(yi)

    def omit_one(start: int, stop: int) -> np.ndarray:
        mask = np.ones((stop - start, k), dtype=bool)
        mask[np.arange(stop - start), np.arange(start, stop)] = False
        return mask

    return fit_in_blocks(yi, vi, k, omit_one, method, test, pi, level, q_profile=q_profile)


def cumulative(
    yi: np.ndarray,
    vi: np.ndarray,
    method: str,
    test: str,
    order: np.ndarray | None = None,
    pi: str = "hts",
    level: float = 95.0,
) -> BatchFit:
    """Cumulative meta-analysis: row j pools the first j + 1 studies in ``order`` (in blocks of
    rows, so memory grows linearly with k)."""
    k = len(yi)
    idx = np.arange(k) if order is None else np.asarray(order)

    def first_rows(start: int, stop: int) -> np.ndarray:
        return np.arange(k)[None, :] <= np.arange(start, stop)[:, None]

    y, v = np.asarray(yi)[idx], np.asarray(vi)[idx]
    return fit_in_blocks(y, v, k, first_rows, method, test, pi, level)


@dataclass(frozen=True)
class EggerTest:
    """Egger's regression test: slope t statistic, its p-value and residual df."""

    stat: float
    pval: float
    df: int

    def as_dict(self) -> dict[str, float | int]:
        """The JSON ``egger_lm`` object."""
        return {"stat": self.stat, "pval": self.pval, "df": self.df}


def egger_lm(yi: np.ndarray, vi: np.ndarray) -> EggerTest:
    """Classical Egger test as ``regtest(model="lm", predictor="sei")`` computes it."""
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = len(yi)
    if np.ptp(np.sqrt(vi)) == 0:
        # the predictor is constant, so the slope is not identifiable (metafor stops too)
        return EggerTest(float("nan"), float("nan"), k - 2)
    x = np.column_stack([np.ones(k), np.sqrt(vi)])
    sw = np.sqrt(1 / vi)
    xw, yw = x * sw[:, None], yi * sw
    beta, *_ = np.linalg.lstsq(xw, yw, rcond=None)
    resid = yw - xw @ beta
    df = k - 2
    sigma2 = resid @ resid / df
    cov = sigma2 * np.linalg.inv(xw.T @ xw)
    stat = beta[1] / np.sqrt(cov[1, 1])
    return EggerTest(float(stat), float(2 * stats.t.sf(abs(stat), df)), df)
