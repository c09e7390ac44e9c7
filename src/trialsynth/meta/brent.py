"""Vectorised Brent root finder that reproduces R's ``uniroot`` (``R_zeroin2``) step for step.

metafor finds the Paule-Mandel estimate and the Q-profile confidence limits of tau^2 with
``uniroot(..., tol=.Machine$double.eps^0.25)``. Because that tolerance is coarse (about 1.2e-4),
an exact root can differ from metafor's answer in the fourth digit; repeating Brent's algorithm
with the same tolerance and the same steps returns the same number.

References
----------
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4. Prentice-Hall.
R Core Team, ``src/library/stats/src/zeroin.c`` (``R_zeroin2``), used by ``stats::uniroot``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: ``.Machine$double.eps^0.25``, the default tolerance of ``uniroot`` as used by metafor.
R_UNIROOT_TOL = float(np.finfo(float).eps ** 0.25)
_EPS = float(np.finfo(float).eps)

#: ``func(x, rows)``: function values at ``x`` for the problems with indices ``rows``.
ArrayFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


def brent_root(
    func: ArrayFunction,
    lower: np.ndarray,
    upper: np.ndarray,
    tol: float = R_UNIROOT_TOL,
    maxiter: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """Find one root per problem of ``func`` in ``[lower, upper]``, as R's ``uniroot`` does.

    Parameters
    ----------
    func
        ``func(x, rows)`` returns the function values at ``x`` for problems ``rows`` (indices into
        ``lower``); only problems still iterating are evaluated.
    lower, upper
        Bracketing intervals, one per problem; ``func`` must change sign over each.
    tol
        Absolute tolerance of R's ``zeroin`` (default ``.Machine$double.eps^0.25``).
    maxiter
        Maximum number of iterations (metafor passes 1000 for confidence intervals).

    Returns
    -------
    root, converged
        The roots and a boolean flag per problem.
    """
    n = len(lower)
    a = np.asarray(lower, dtype=float).copy()
    b = np.asarray(upper, dtype=float).copy()
    everyone = np.arange(n)
    fa = func(a, everyone)
    fb = func(b, everyone)
    root = np.where(fa == 0.0, a, b)
    converged = (fa == 0.0) | (fb == 0.0)
    idx = np.flatnonzero(~converged)
    a, b, fa, fb = a[idx], b[idx], fa[idx], fb[idx]
    c, fc = a.copy(), fa.copy()
    for _ in range(maxiter + 1):
        if idx.size == 0:
            break
        swap = np.abs(fc) < np.abs(fb)
        a, b, c = np.where(swap, b, a), np.where(swap, c, b), np.where(swap, b, c)
        fa, fb, fc = np.where(swap, fb, fa), np.where(swap, fc, fb), np.where(swap, fb, fc)
        prev_step = b - a
        tol_act = 2 * _EPS * np.abs(b) + tol / 2
        new_step = (c - b) / 2
        finished = (np.abs(new_step) <= tol_act) | (fb == 0.0)
        root[idx[finished]] = b[finished]
        converged[idx[finished]] = True
        keep = ~finished
        idx = idx[keep]
        if idx.size == 0:
            break
        a, b, c, fa, fb, fc = a[keep], b[keep], c[keep], fa[keep], fb[keep], fc[keep]
        prev_step, tol_act, new_step = prev_step[keep], tol_act[keep], new_step[keep]
        new_step = _next_step((a, b, c), (fa, fb, fc), prev_step, tol_act, new_step)
        a, fa = b, fb
        b = b + new_step
        fb = func(b, idx)
        same_sign = ((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0))
        c = np.where(same_sign, a, c)
        fc = np.where(same_sign, fa, fc)
    if idx.size:  # maxiter reached: last approximations, flagged as not converged
        root[idx] = b
    return root, converged


def _next_step(
    points: tuple[np.ndarray, np.ndarray, np.ndarray],
    values: tuple[np.ndarray, np.ndarray, np.ndarray],
    prev_step: np.ndarray,
    tol_act: np.ndarray,
    bisection: np.ndarray,
) -> np.ndarray:
    """The step from the best point ``b`` of ``points = (a, b, c)`` (``R_zeroin2``): linear
    interpolation when ``a == c``, else inverse quadratic, accepted when it stays inside the
    bracket and shrinks fast enough, otherwise the ``bisection`` step; never shorter than
    ``tol_act``."""
    a, b, c = points
    fa, fb, fc = values
    with np.errstate(divide="ignore", invalid="ignore"):
        try_interp = (np.abs(prev_step) >= tol_act) & (np.abs(fa) > np.abs(fb))
        cb = c - b
        t1_lin = fb / fa
        q0 = fa / fc
        t1 = fb / fc
        t2 = fb / fa
        two_points = a == c
        p = np.where(two_points, cb * t1_lin, t2 * (cb * q0 * (q0 - t1) - (b - a) * (t1 - 1.0)))
        q = np.where(two_points, 1.0 - t1_lin, (q0 - 1.0) * (t1 - 1.0) * (t2 - 1.0))
        q = np.where(p > 0, -q, q)
        p = np.abs(p)
        accept = (
            try_interp
            & (p < (0.75 * cb * q - np.abs(tol_act * q) / 2))
            & (p < np.abs(prev_step * q / 2))
        )
        step = np.where(accept, p / q, bisection)
    small = np.abs(step) < tol_act
    return np.where(small, np.where(step > 0, tol_act, -tol_act), step)
