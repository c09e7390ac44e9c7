"""Mixed-effects meta-regression on one or more moderators (metafor ``rma.uni(yi, vi, mods=...)``).

tau^2 is the residual heterogeneity, estimated with the same estimators as the intercept-only
model but with the projection ``P = W - W X (X'WX)^{-1} X'W``; coefficients are weighted least
squares with ``W = diag(1/(v + tau^2))``. Under ``knha``/``adhoc`` the covariance is scaled by
``s2 = y'Py / (k - p)`` (``max(1, s2)`` for ``adhoc``) and t(k - p) is used. The omnibus test QM is
the Wald chi^2 of all coefficients but the intercept (an F statistic ``QM/m`` with (m, k - p) df
under knha/adhoc; :mod:`.wald`). R^2 is metafor's pseudo-R^2 (:func:`pseudo_r2`).

References
----------
Raudenbush, S. W. (2009). Analyzing effect sizes: random-effects models. In *The Handbook of
Research Synthesis and Meta-Analysis*, 2nd ed., 295-315.
Knapp, G. & Hartung, J. (2003). *Stat Med* 22, 2693-2710.
Viechtbauer, W. (2005). *J Educ Behav Stat* 30, 261-293. wviechtb/metafor ``R/rma.uni.r``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialsynth.errors import ConvergenceError, InputError
from trialsynth.meta.brent import R_UNIROOT_TOL, brent_root
from trialsynth.meta.model_fit import ModelFit, model_arrays, residual_heterogeneity
from trialsynth.meta.moderators import build_design
from trialsynth.meta.tau2 import FISHER_FALLBACKS, MAXITER, THRESHOLD
from trialsynth.meta.wald import CoefficientTests, wald_tests
from trialsynth.meta.wls import wls_fit

#: The fitted meta-regression (kept under its former name for callers of the Python API).
RegressionResult = ModelFit


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
    """Intercept plus moderators coded as R's ``model.matrix`` (see :mod:`.moderators`)."""
    design, x = build_design(data, moderators)
    return x, design.names


def pseudo_r2(y: np.ndarray, v: np.ndarray, x: np.ndarray, method: str, tau2: float) -> float:
    """metafor's R^2 (percent) of a model with moderators.

    Random effects: the proportional reduction of tau^2 from the intercept-only model fitted with
    the same estimator, ``max(0, (tau2_0 - tau2) / tau2_0)`` (0 when ``tau2_0 = 0``; Raudenbush
    2009). FE: the adjusted R^2 of the weighted least squares fit with weights ``1/v``, as metafor
    takes it from ``lm(yi ~ X, weights = 1/vi)``; statsmodels' WLS (:mod:`.wls`) gives the same
    number.
    NaN when the intercept-only tau^2 cannot be estimated.
    """
    if method == "FE":
        if np.var(y) == 0:
            return 0.0
        adjusted = float(wls_fit(y, x, 1 / v).rsquared_adj)
        return max(0.0, 100 * adjusted)
    try:
        tau2_null, _ = regression_tau2(y, v, np.ones((len(y), 1)), method)
    except ConvergenceError:
        return float("nan")
    if tau2_null == 0:
        return 0.0
    return max(0.0, 100 * (tau2_null - tau2) / tau2_null)


def _coefficient_tests(
    y: np.ndarray,
    v: np.ndarray,
    x: np.ndarray,
    tau2: float,
    names: list[str],
    test: str,
    level: float,
) -> CoefficientTests:
    """Wald tests of the WLS coefficients (weights ``1/(v + tau^2)``): z, or Knapp-Hartung t on
    ``k - p`` df with the covariance scaled by ``s2`` (``adhoc``: by ``max(1, s2)``)."""
    wls = wls_fit(y, x, 1 / (v + tau2))
    vb = np.asarray(wls.normalized_cov_params)
    df: int | None = None
    if test != "z":
        s2w = float(wls.scale)
        vb = (max(1.0, s2w) if test == "adhoc" else s2w) * vb
        df = x.shape[0] - x.shape[1]
    return wald_tests(names, np.asarray(wls.params), vb, df, level)


def fit_meta_regression(
    yi: np.ndarray,
    vi: np.ndarray,
    x: np.ndarray,
    names: list[str] | None = None,
    method: str = "REML",
    test: str = "adhoc",
    level: float = 95.0,
) -> ModelFit:
    """Fit ``yi ~ X`` (``x`` includes the intercept column) with the chosen estimator and test.

    Equal to metafor ``rma.uni(yi, vi, mods = X, method, test)``. The coefficients, their
    covariance ``(X'WX)^{-1}`` and the residual scale ``s2 = y'Py / (k - p)`` come from the WLS
    fit (:mod:`.wls`, statsmodels' computation) with ``W = diag(1 / (v + tau^2))``; QE is the
    WLS residual sum of squares with weights ``1/v`` (Hedges & Olkin 1985).

    Raises
    ------
    InputError
        k not above the number of coefficients, or a design matrix not of full rank.
    ConvergenceError
        The tau^2 estimator did not converge.
    """
    y, v, x = model_arrays(yi, vi, x)
    k, p = x.shape
    names = names or [f"x{i}" for i in range(p)]
    tau2, (stepadj, maxiter) = regression_tau2(y, v, x, method)
    tests = _coefficient_tests(y, v, x, tau2, names, test, level)
    residual = residual_heterogeneity(y, v, x)
    qe = residual["QE"]
    vt = (k - p) / float(np.trace(_projection(x, 1 / v)))
    i2 = 100 * tau2 / (vt + tau2) if method != "FE" else max(0.0, 100 * (qe - (k - p)) / qe)
    return ModelFit(
        tests=tests,
        k=k,
        **residual,
        settings={
            "method": method,
            "test": test,
            "level": level,
            "stepadj": stepadj,
            "maxiter": maxiter,
        },
        tau2=tau2,
        I2=i2,
        R2=pseudo_r2(y, v, x, method, tau2) if p > 1 else None,
    )
