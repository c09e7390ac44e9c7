"""Mixed-effects meta-regression on one or more moderators (metafor ``rma.uni(yi, vi, mods=...)``).

tau^2 is the residual heterogeneity, estimated with the same estimators as the intercept-only
model but with the projection ``P = W - W X (X'WX)^{-1} X'W``; coefficients are weighted least
squares with ``W = diag(1/(v + tau^2))``. Under ``knha``/``adhoc`` the covariance is scaled by
``s2 = y'Py / (k - p)`` (``max(1, s2)`` for ``adhoc``) and t(k - p) is used. The omnibus test QM is
the Wald chi^2 of all coefficients but the intercept (an F statistic ``QM/m`` with (m, k - p) df
under knha/adhoc).

References
----------
Raudenbush, S. W. (2009). Analyzing effect sizes: random-effects models. In *The Handbook of
Research Synthesis and Meta-Analysis*, 2nd ed., 295-315.
Knapp, G. & Hartung, J. (2003). *Stat Med* 22, 2693-2710.
Viechtbauer, W. (2005). *J Educ Behav Stat* 30, 261-293. wviechtb/metafor ``R/rma.uni.r``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trialsynth.errors import ConvergenceError, InputError
from trialsynth.meta.brent import R_UNIROOT_TOL, brent_root
from trialsynth.meta.tau2 import FISHER_FALLBACKS, MAXITER, THRESHOLD


@dataclass(frozen=True)
class RegressionResult:
    """Coefficients (intercept first) with se, CIs, p-values, tau^2, QM and residual QE."""

    names: list[str]
    beta: np.ndarray
    se: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pval: np.ndarray
    tau2: float
    QM: float
    QM_df: tuple[int, ...]
    QM_p: float
    QE: float
    QE_df: int
    QE_p: float
    I2: float
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the fit."""
        from trialsynth.meta.result import json_number

        return json_number(
            {
                "coefficients": {
                    name: {
                        "estimate": self.beta[i],
                        "se": self.se[i],
                        "ci_lb": self.ci_lb[i],
                        "ci_ub": self.ci_ub[i],
                        "pval": self.pval[i],
                    }
                    for i, name in enumerate(self.names)
                },
                "tau2": self.tau2,
                "QM": self.QM,
                "QM_df": list(self.QM_df),
                "QM_p": self.QM_p,
                "QE": self.QE,
                "QE_df": self.QE_df,
                "QE_p": self.QE_p,
                "I2": self.I2,
                "settings": self.settings,
            }
        )


def _projection(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    xw = x * w[:, None]
    return np.diag(w) - xw @ np.linalg.solve(x.T @ xw, xw.T)


def _rss(y: np.ndarray, x: np.ndarray, w: np.ndarray) -> float:
    return float(y @ _projection(x, w) @ y)


def _loglik(y: np.ndarray, v: np.ndarray, x: np.ndarray, tau2: float, reml: bool) -> float:
    w = 1 / (v + tau2)
    k, p = x.shape
    ll = -0.5 * np.log(v + tau2).sum() - 0.5 * _rss(y, x, w)
    if reml:
        return (
            ll
            - 0.5 * (k - p) * np.log(2 * np.pi)
            - 0.5 * np.linalg.slogdet(x.T @ (x * w[:, None]))[1]
        )
    return ll - 0.5 * k * np.log(2 * np.pi)


def _fisher_scoring(
    yc: np.ndarray,
    v: np.ndarray,
    x: np.ndarray,
    method: str,
    start: float,
    stepadj: float,
    maxiter: int,
) -> tuple[float, bool]:
    """metafor's Fisher scoring for ML/REML with moderators; returns (tau2, converged)."""
    tau2 = start
    for _ in range(maxiter):
        w = 1 / (v + tau2)
        pm = _projection(x, w)
        pp = pm @ pm
        ypp = float(yc @ pp @ yc)
        if method == "REML":
            adj = (ypp - float(np.trace(pm))) / float(np.trace(pp))
        else:
            adj = (ypp - w.sum()) / (w**2).sum()
        adj *= stepadj
        if tau2 == 0 and adj < 0:
            adj = 0.0
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        if abs(adj) <= THRESHOLD:
            return tau2, True
    return tau2, False


def regression_tau2(
    y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str
) -> tuple[float, tuple[float, int]]:
    """Residual tau^2 with ``method`` in ``FE, DL, HE, REML, ML, PM`` (metafor's algorithms).

    Returns tau^2 and the Fisher scoring ``(stepadj, maxiter)`` used (metafor's defaults
    ``(1, 100)`` unless a fallback was needed).
    """
    k, p = x.shape
    yc = y - y.mean()
    if method == "FE":
        return 0.0, (1.0, MAXITER)
    if method == "DL":
        w = 1 / v
        pm = _projection(x, w)
        return max(0.0, (float(yc @ pm @ yc) - (k - p)) / float(np.trace(pm))), (1.0, MAXITER)
    ols = np.eye(k) - x @ np.linalg.solve(x.T @ x, x.T)
    he = (float(yc @ ols @ yc) - float(np.trace(ols * v[None, :]))) / (k - p)
    if method == "HE":
        return max(0.0, he), (1.0, MAXITER)
    if method == "PM":
        q = lambda t, _rows: np.array([_rss(yc, x, 1 / (v + ti)) for ti in t]) - (k - p)  # noqa: E731
        upper = max(100.0, 10 * (1.4826 * np.median(np.abs(y - np.median(y)))) ** 2)
        if q(np.array([0.0]), None)[0] < 0:
            return 0.0, (1.0, MAXITER)
        if q(np.array([upper]), None)[0] > 0:
            raise ConvergenceError(f"PM: tau^2 above the search limit {upper}; use REML or DL")
        root, ok = brent_root(q, np.array([0.0]), np.array([upper]), maxiter=MAXITER)
        if not ok[0]:
            raise ConvergenceError("PM: root search for tau^2 did not converge; use REML or DL")
        return float(root[0]), (1.0, MAXITER)
    if method not in ("REML", "ML"):
        raise InputError(f"unknown method {method!r}", hint="use FE, DL, HE, REML, ML or PM")
    for stepadj, maxiter in FISHER_FALLBACKS:
        tau2, converged = _fisher_scoring(yc, v, x, method, max(0.0, he), stepadj, maxiter)
        if converged:
            break
    else:
        raise ConvergenceError(
            f"{method} Fisher scoring did not converge with any of the settings (stepadj, maxiter) "
            f"{FISHER_FALLBACKS}; try DL or PM"
        )
    reml = method == "REML"
    if (
        _loglik(yc, v, x, 0.0, reml) - _loglik(yc, v, x, tau2, reml) > R_UNIROOT_TOL
        and tau2 > THRESHOLD
    ):
        tau2 = 0.0
    return max(0.0, tau2), (stepadj, maxiter)


def design_matrix(data: pd.DataFrame, moderators: list[str]) -> tuple[np.ndarray, list[str]]:
    """Intercept plus moderators; text columns become dummies (first level in sorted order dropped,
    as R's ``factor`` does)."""
    parts = [pd.Series(1.0, index=data.index, name="intrcpt")]
    for col in moderators:
        if col not in data.columns:
            raise InputError(f"moderator column {col!r} not found", hint="check the column name")
        numeric = pd.to_numeric(data[col], errors="coerce")
        if numeric.notna().all():
            parts.append(numeric.astype(float).rename(col))
            continue
        if data[col].isna().any():
            row = int(np.flatnonzero(data[col].isna().to_numpy())[0]) + 1
            raise InputError(f"moderator {col} is empty", record=f"row {row}", hint="fill it in")
        levels = sorted(set(data[col].astype(str)))
        for level in levels[1:]:
            parts.append((data[col].astype(str) == level).astype(float).rename(f"{col}{level}"))
    x = pd.concat(parts, axis=1)
    return x.to_numpy(float), list(x.columns)


def fit_meta_regression(
    yi: np.ndarray,
    vi: np.ndarray,
    x: np.ndarray,
    names: list[str] | None = None,
    method: str = "REML",
    test: str = "adhoc",
    level: float = 95.0,
) -> RegressionResult:
    """Fit ``yi ~ X`` (``x`` includes the intercept column) with the chosen estimator and test."""
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    x = np.asarray(x, dtype=float)
    k, p = x.shape
    if k <= p:
        raise InputError(
            f"k = {k} studies cannot support {p} coefficients", hint="fewer moderators"
        )
    if np.linalg.matrix_rank(x) < p:
        raise InputError(
            "moderators are collinear (design matrix not of full rank)",
            hint="drop redundant moderators",
        )
    names = names or [f"x{i}" for i in range(p)]
    tau2, (stepadj, maxiter) = regression_tau2(y, v, x, method)
    w = 1 / (v + tau2)
    xw = x * w[:, None]
    vb = np.linalg.inv(x.T @ xw)
    beta = vb @ xw.T @ y
    alpha = 1 - level / 100
    m = p - 1
    if test == "z":
        cov = vb
        dist: Any = stats.norm
        crit = stats.norm.isf(alpha / 2)
    else:
        s2w = _rss(y, x, w) / (k - p)
        if test == "adhoc":
            s2w = max(1.0, s2w)
        cov = s2w * vb
        dist = stats.t(k - p)
        crit = stats.t.isf(alpha / 2, k - p)
    se = np.sqrt(np.diag(cov))
    stat = beta / se
    pval = 2 * dist.sf(np.abs(stat))
    qm = qm_p = float("nan")
    qm_df: tuple[int, ...] = (m,)
    if m > 0:
        b = beta[1:]
        qm = float(b @ np.linalg.solve(cov[1:, 1:], b))
        if test == "z":
            qm_p = float(stats.chi2.sf(qm, m))
        else:
            qm /= m
            qm_df = (m, k - p)
            qm_p = float(stats.f.sf(qm, m, k - p))
    w0 = 1 / v
    qe = _rss(y, x, w0)
    pm0 = _projection(x, w0)
    vt = (k - p) / float(np.trace(pm0))
    i2 = 100 * tau2 / (vt + tau2) if method != "FE" else max(0.0, 100 * (qe - (k - p)) / qe)
    return RegressionResult(
        names,
        beta,
        se,
        beta - crit * se,
        beta + crit * se,
        pval,
        tau2,
        qm,
        qm_df,
        qm_p,
        qe,
        k - p,
        float(stats.chi2.sf(qe, k - p)),
        i2,
        {"method": method, "test": test, "level": level, "stepadj": stepadj, "maxiter": maxiter},
    )
