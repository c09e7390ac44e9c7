"""Batched tau^2 estimators for the random-effects model without moderators.

Every function takes ``y`` and ``v`` of shape ``(B, K)`` and a boolean ``mask`` of the same shape
(``False`` marks padding, so datasets of different sizes share one array) and returns one value per
dataset. The formulas and iteration rules are those of metafor's ``rma.uni`` (Viechtbauer 2010), so
the numbers match R to the precision of its convergence criteria.

References
----------
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the
random-effects model. *J Educ Behav Stat* 30(3), 261-293.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
*J Stat Softw* 36(3).
wviechtb/metafor ``R/rma.uni.r`` (estimators, Fisher scoring with step halving, ``ll0check``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialsynth.meta.brent import R_UNIROOT_TOL, brent_root

METHODS = ("FE", "DL", "HE", "REML", "ML", "PM")
#: metafor ``control`` defaults for Fisher scoring.
THRESHOLD = 1e-5
MAXITER = 100


@dataclass(frozen=True)
class Tau2Fit:
    """tau^2 per dataset, with convergence flags and the number of iterations used."""

    tau2: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    stepadj: np.ndarray | None = None
    maxiter: np.ndarray | None = None


def weighted_sums(v: np.ndarray, mask: np.ndarray, tau2: np.ndarray) -> np.ndarray:
    """Inverse-variance weights ``1/(v + tau2)``, zero on padding."""
    with np.errstate(divide="ignore"):
        return np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)


def pooled_mean(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean per row."""
    return (w * y).sum(axis=1) / w.sum(axis=1)


def q_statistic(y: np.ndarray, v: np.ndarray, mask: np.ndarray, tau2: np.ndarray) -> np.ndarray:
    """Generalised Q: ``sum w_i (y_i - mu)^2`` with ``w_i = 1/(v_i + tau2)`` (Q_E when tau2 = 0)."""
    w = weighted_sums(v, mask, tau2)
    mu = pooled_mean(y, w)
    return (w * (y - mu[:, None]) ** 2).sum(axis=1)


def _centered(y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    k = mask.sum(axis=1)
    mean = np.where(mask, y, 0.0).sum(axis=1) / k
    return np.where(mask, y - mean[:, None], 0.0)


def tau2_dl(y: np.ndarray, v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """DerSimonian-Laird (1986) method-of-moments estimator, truncated at 0."""
    k = mask.sum(axis=1)
    w = weighted_sums(v, mask, np.zeros(len(y)))
    sw = w.sum(axis=1)
    tr_p = sw - (w**2).sum(axis=1) / sw
    q = q_statistic(_centered(y, mask), v, mask, np.zeros(len(y)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(0.0, (q - (k - 1)) / tr_p)


def tau2_he(y: np.ndarray, v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Hedges (1983) unweighted moment estimator, not truncated (metafor's REML/ML start value)."""
    k = mask.sum(axis=1)
    yc = _centered(y, mask)
    rss = (yc**2).sum(axis=1)
    tr_pv = np.where(mask, v, 0.0).sum(axis=1) * (1 - 1 / k)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (rss - tr_pv) / (k - 1)


def _log_likelihood(
    y: np.ndarray, v: np.ndarray, mask: np.ndarray, tau2: np.ndarray, reml: bool
) -> np.ndarray:
    """Log-likelihood (ML) or restricted log-likelihood (REML) per row, as in metafor."""
    k = mask.sum(axis=1)
    w = weighted_sums(v, mask, tau2)
    mu = pooled_mean(y, w)
    rss = (w * (y - mu[:, None]) ** 2).sum(axis=1)
    logv = np.where(mask, np.log(np.where(mask, v + tau2[:, None], 1.0)), 0.0).sum(axis=1)
    if reml:
        return (
            -0.5 * (k - 1) * np.log(2 * np.pi)
            - 0.5 * logv
            - 0.5 * np.log(w.sum(axis=1))
            - 0.5 * rss
        )
    return -0.5 * k * np.log(2 * np.pi) - 0.5 * logv - 0.5 * rss


def _fisher_step(w: np.ndarray, yc: np.ndarray, reml: bool) -> np.ndarray:
    """Fisher scoring step for tau^2 (metafor ``rma.uni``; P y and traces in closed form)."""
    sw = w.sum(axis=1)
    sw2 = (w**2).sum(axis=1)
    py = w * (yc - ((w * yc).sum(axis=1) / sw)[:, None])
    ypp_y = (py**2).sum(axis=1)
    if reml:
        tr_p = sw - sw2 / sw
        tr_pp = sw2 - 2 * (w**3).sum(axis=1) / sw + sw2**2 / sw**2
        return (ypp_y - tr_p) / tr_pp
    return (ypp_y - sw) / sw2


def tau2_fisher_scoring(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray,
    reml: bool,
    stepadj: float = 1.0,
    maxiter: int = MAXITER,
) -> Tau2Fit:
    """(Restricted) maximum-likelihood tau^2 by Fisher scoring, as metafor iterates it.

    Starts from ``max(0, HE)``, multiplies each step by ``stepadj`` (metafor ``control$stepadj``),
    halves a step that would make tau^2 negative, stops when the change is at most 1e-5 within
    ``maxiter`` iterations (metafor default 100), and applies metafor's check that the
    log-likelihood at tau^2 = 0 is not larger (``ll0check``). Only rows still iterating are
    computed.

    References
    ----------
    Viechtbauer (2005), eqs. 10-13; Harville (1977) for REML. wviechtb/metafor ``R/rma.uni.r``.
    """
    yc = _centered(y, mask)
    n = len(y)
    tau2 = np.maximum(0.0, np.nan_to_num(tau2_he(y, v, mask), nan=0.0))
    active = np.arange(n)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=int)
    for _ in range(maxiter):
        if active.size == 0:
            break
        t = tau2[active]
        w = weighted_sums(v[active], mask[active], t)
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = _fisher_step(w, yc[active], reml) * stepadj
        adj = np.where(np.isnan(adj), 0.0, adj)
        # R halves a negative step from tau2 = 0 until it underflows to -0.0: the step is 0.
        adj = np.where((t == 0) & (adj < 0), 0.0, adj)
        for _halving in range(1100):
            negative = t + adj < 0
            if not negative.any():
                break
            adj = np.where(negative, adj / 2, adj)
        new = t + adj
        done = ~(np.abs(new - t) > THRESHOLD)
        tau2[active] = new
        iterations[active] += 1
        converged[active[done]] = True
        active = active[~done]
    ll0 = _log_likelihood(y, v, mask, np.zeros(n), reml)
    ll = _log_likelihood(y, v, mask, tau2, reml)
    stuck = converged & (ll0 - ll > R_UNIROOT_TOL) & (tau2 > THRESHOLD)
    tau2 = np.where(stuck, 0.0, tau2)
    return Tau2Fit(
        np.maximum(0.0, tau2), converged, iterations, np.full(n, stepadj), np.full(n, maxiter)
    )


#: Fisher scoring settings tried in turn, as metafor ``control = list(stepadj=, maxiter=)``: the
#: default first; smaller steps when full steps oscillate; more iterations when the estimate creeps
#: towards 0 by step halving.
FISHER_FALLBACKS: tuple[tuple[float, int], ...] = (
    (1.0, MAXITER),
    (0.5, MAXITER),
    (0.25, MAXITER),
    (1.0, 10 * MAXITER),
    (0.5, 10 * MAXITER),
)


def tau2_ml_reml(y: np.ndarray, v: np.ndarray, mask: np.ndarray, reml: bool) -> Tau2Fit:
    """Fisher scoring with metafor's defaults; rows that do not converge are refitted with the
    settings of :data:`FISHER_FALLBACKS` in turn.

    The settings used are returned per row (``stepadj``, ``maxiter``), so a result can say that a
    fallback was needed; rows that fail with every setting keep ``converged = False``.
    """
    first_step, first_maxiter = FISHER_FALLBACKS[0]
    fit = tau2_fisher_scoring(y, v, mask, reml, first_step, first_maxiter)
    tau2, converged = fit.tau2.copy(), fit.converged.copy()
    iterations = fit.iterations.copy()
    stepadj = np.full(len(y), first_step)
    maxiter = np.full(len(y), first_maxiter)
    for step, limit in FISHER_FALLBACKS[1:]:
        rows = np.flatnonzero(~converged)
        if rows.size == 0:
            break
        retry = tau2_fisher_scoring(y[rows], v[rows], mask[rows], reml, step, limit)
        tau2[rows], converged[rows] = retry.tau2, retry.converged
        iterations[rows], stepadj[rows], maxiter[rows] = retry.iterations, step, limit
    return Tau2Fit(tau2, converged, iterations, stepadj, maxiter)


def mad_squared(y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Squared median absolute deviation (R ``mad``, constant 1.4826) of each row."""
    data = np.where(mask, y, np.nan)
    med = np.nanmedian(data, axis=1)
    return (1.4826 * np.nanmedian(np.abs(data - med[:, None]), axis=1)) ** 2


def tau2_pm(y: np.ndarray, v: np.ndarray, mask: np.ndarray) -> Tau2Fit:
    """Paule-Mandel (1982) estimator: tau^2 with generalised Q equal to k - 1 (0 if Q(0) < k - 1).

    Searched with R's Brent algorithm on ``[0, max(100, 10 mad(y)^2)]`` like metafor.

    References
    ----------
    Paule, R. C. & Mandel, J. (1982). Consensus values and weighting factors. *J Res Natl Bur
    Stand* 87, 377-385. wviechtb/metafor ``R/rma.uni.r``.
    """
    yc = _centered(y, mask)
    k = mask.sum(axis=1)
    target = (k - 1).astype(float)
    upper = np.maximum(100.0, 10 * mad_squared(y, mask))
    zero = np.zeros(len(y))
    q0 = q_statistic(yc, v, mask, zero)
    q_max = q_statistic(yc, v, mask, upper)
    at_zero = q0 < target
    too_low = ~at_zero & (q_max > target)
    search = ~at_zero & ~too_low
    tau2 = zero.copy()
    converged = ~too_low
    if search.any():
        rows = np.flatnonzero(search)

        def objective(t: np.ndarray, sub: np.ndarray) -> np.ndarray:
            r = rows[sub]
            return q_statistic(yc[r], v[r], mask[r], t) - target[r]

        root, ok = brent_root(objective, zero[rows], upper[rows], maxiter=MAXITER)
        tau2[rows] = root
        converged[rows] = ok
    tau2[too_low] = np.nan
    return Tau2Fit(tau2, converged, np.zeros(len(y), dtype=int))


def estimate_tau2(y: np.ndarray, v: np.ndarray, mask: np.ndarray, method: str) -> Tau2Fit:
    """tau^2 per dataset with ``method`` in ``FE, DL, HE, REML, ML, PM`` (FE gives 0)."""
    n = len(y)
    ok = np.ones(n, dtype=bool)
    none = np.zeros(n, dtype=int)
    if method == "FE":
        return Tau2Fit(np.zeros(n), ok, none)
    if method == "DL":
        return Tau2Fit(tau2_dl(y, v, mask), ok, none)
    if method == "HE":
        return Tau2Fit(np.maximum(0.0, tau2_he(y, v, mask)), ok, none)
    if method in ("REML", "ML"):
        return tau2_ml_reml(y, v, mask, reml=method == "REML")
    if method == "PM":
        return tau2_pm(y, v, mask)
    raise ValueError(f"unknown tau^2 method {method!r}; use one of {', '.join(METHODS)}")
