"""Wald tests of model coefficients and the omnibus test QM, as metafor reports them.

Given the coefficients ``b``, their covariance ``V`` and the degrees of freedom of the t tests
(``None`` for z tests): ``se = sqrt(diag V)``, ``stat = b / se``, two-sided p-values and CIs from
N(0, 1) or t(df). QM is the Wald statistic ``b_m' V_m^{-1} b_m`` of every coefficient but the
intercept (of the intercept alone for an intercept-only model, metafor's ``btt``); with t tests
it is divided by m and referred to F(m, df), otherwise to chi^2(m).

References
----------
wviechtb/metafor ``R/rma.uni.r``, ``R/rma.mv.r`` and ``R/robust.rma.mv.r`` (tests of the fixed
effects); Knapp, G. & Hartung, J. (2003). *Stat Med* 22, 2693-2710 (F form of QM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialsynth.meta.distributions import chi2_sf, f_sf, norm_isf, norm_sf, t_isf, t_sf


@dataclass(frozen=True)
class CoefficientTests:
    """Coefficient table and omnibus test of one fitted model."""

    names: list[str]
    beta: np.ndarray
    vcov: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    df: int | None
    QM: float
    QM_df: list[int]
    QM_p: float

    def coefficients(self) -> dict[str, dict[str, float]]:
        """``{name: {estimate, se, ci_lb, ci_ub, pval}}`` in model order."""
        return {
            name: {
                "estimate": float(self.beta[i]),
                "se": float(self.se[i]),
                "ci_lb": float(self.ci_lb[i]),
                "ci_ub": float(self.ci_ub[i]),
                "pval": float(self.pval[i]),
            }
            for i, name in enumerate(self.names)
        }


def critical_value(df: int | None, level: float) -> float:
    """Two-sided critical value of N(0, 1) (``df is None``) or t(df) at ``level`` percent."""
    alpha = 1 - level / 100
    return float(norm_isf(alpha / 2) if df is None else t_isf(alpha / 2, df))


def wald_tests(
    names: list[str], beta: np.ndarray, vcov: np.ndarray, df: int | None, level: float
) -> CoefficientTests:
    """Tests, CIs and QM of ``beta`` with covariance ``vcov`` (see the module docstring)."""
    beta = np.asarray(beta, dtype=float)
    vcov = np.asarray(vcov, dtype=float)
    se = np.sqrt(np.diag(vcov))
    stat = beta / se
    pval = 2 * (norm_sf(np.abs(stat)) if df is None else t_sf(np.abs(stat), df))
    crit = critical_value(df, level)
    btt = np.arange(1, len(beta)) if len(beta) > 1 else np.arange(1)
    m = len(btt)
    sub = beta[btt]
    qm = float(sub @ np.linalg.solve(vcov[np.ix_(btt, btt)], sub))
    if df is None:
        qm_df = [m]
        qm_p = float(chi2_sf(qm, m))
    else:
        qm /= m
        qm_df = [m, df]
        qm_p = float(f_sf(qm, m, df))
    return CoefficientTests(
        list(names),
        beta,
        vcov,
        se,
        stat,
        pval,
        beta - crit * se,
        beta + crit * se,
        df,
        qm,
        qm_df,
        qm_p,
    )
