"""Sensitivity analyses: leave-one-out, cumulative meta-analysis and the estimator table.

Leave-one-out and cumulative refits are rows of one batched fit (:mod:`trialsynth.meta.batch`),
with the same estimator and test as the main model (metafor ``leave1out``, ``cumul``).

References
----------
wviechtb/metafor ``R/leave1out.rma.uni.r``, ``R/cumul.rma.uni.r``. Egger's test lives in
:mod:`trialsynth.meta.bias`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialsynth.meta.batch import BatchFit, fit_batch, fit_in_blocks


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


#: The estimators and tests of the estimator sensitivity table (Cochrane Handbook 10.10.4.1:
#: REML is the default; DL, PM and ML show how much the conclusion rests on that choice).
SENSITIVITY_METHODS = ("REML", "DL", "PM", "ML")
SENSITIVITY_TESTS = ("knha", "z")


def estimator_sensitivity(
    yi: np.ndarray,
    vi: np.ndarray,
    methods: tuple[str, ...] = SENSITIVITY_METHODS,
    tests: tuple[str, ...] = SENSITIVITY_TESTS,
    level: float = 95.0,
    pi: str = "hts",
) -> pd.DataFrame:
    """The pooled result under every tau^2 estimator x test (one row each, metafor ``rma``).

    Columns ``method, test, estimate, se, ci_lb, ci_ub, pval, pi_lb, pi_ub, tau2, I2,
    converged`` on the analysis scale (log for ratio measures). ``knha`` is Hartung-Knapp-Sidik-
    Jonkman without the ad hoc guard, ``z`` the Wald test; ``adhoc`` may be asked for too.
    A row whose tau^2 search does not converge has ``converged = False`` and NaN numbers.
    """
    yi = np.asarray(yi, dtype=float)[None, :]
    vi = np.asarray(vi, dtype=float)[None, :]
    mask = np.ones_like(yi, dtype=bool)
    rows = []
    for method in methods:
        for test in tests:
            fit = fit_batch(yi, vi, mask, method, test, pi, level, q_profile=False)
            ok = bool(fit.tau2_converged[0])
            p = fit.pooled

            def value(x: np.ndarray, ok: bool = ok) -> float:
                return float(x[0]) if ok else float("nan")

            rows.append(
                {
                    "method": method,
                    "test": test,
                    "estimate": value(p.estimate),
                    "se": value(p.se),
                    "ci_lb": value(p.ci_lb),
                    "ci_ub": value(p.ci_ub),
                    "pval": value(p.pval),
                    "pi_lb": value(p.pi_lb),
                    "pi_ub": value(p.pi_ub),
                    "tau2": value(fit.tau2),
                    "I2": value(fit.I2),
                    "converged": ok,
                }
            )
    return pd.DataFrame(rows)
