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

ArrayFunction = Callable[[np.ndarray], np.ndarray]


def brent_root(
    func: ArrayFunction,
    lower: np.ndarray,
    upper: np.ndarray,
    tol: float = R_UNIROOT_TOL,
    maxiter: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """Find one root per row of ``func`` in ``[lower, upper]``, as R's ``uniroot`` does.

    Parameters
    ----------
    func
        Maps an array of candidate roots, one per problem, to the function values (same shape).
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
    a = np.asarray(lower, dtype=float).copy()
    b = np.asarray(upper, dtype=float).copy()
    fa = func(a)
    fb = func(b)
    c = a.copy()
    fc = fa.copy()
    done = (fa == 0.0) | (fb == 0.0)
    root = np.where(fa == 0.0, a, b)
    converged = done.copy()
    for _ in range(maxiter + 1):
        active = ~done
        if not active.any():
            break
        swap = active & (np.abs(fc) < np.abs(fb))
        a = np.where(swap, b, a)
        b = np.where(swap, c, b)
        c = np.where(swap, a, c)
        fa = np.where(swap, fb, fa)
        fb = np.where(swap, fc, fb)
        fc = np.where(swap, fa, fc)
        prev_step = b - a
        tol_act = 2 * _EPS * np.abs(b) + tol / 2
        new_step = (c - b) / 2
        finished = active & ((np.abs(new_step) <= tol_act) | (fb == 0.0))
        root = np.where(finished, b, root)
        converged |= finished
        done |= finished
        active = ~done
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            try_interp = (np.abs(prev_step) >= tol_act) & (np.abs(fa) > np.abs(fb))
            cb = c - b
            t1_lin = fb / fa
            p_lin = cb * t1_lin
            q_lin = 1.0 - t1_lin
            q0 = fa / fc
            t1 = fb / fc
            t2 = fb / fa
            p_quad = t2 * (cb * q0 * (q0 - t1) - (b - a) * (t1 - 1.0))
            q_quad = (q0 - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            two_points = a == c
            p = np.where(two_points, p_lin, p_quad)
            q = np.where(two_points, q_lin, q_quad)
            q = np.where(p > 0, -q, q)
            p = np.abs(p)
            accept = (
                try_interp
                & (p < (0.75 * cb * q - np.abs(tol_act * q) / 2))
                & (p < np.abs(prev_step * q / 2))
            )
            new_step = np.where(accept, p / q, new_step)
        small = np.abs(new_step) < tol_act
        new_step = np.where(small, np.where(new_step > 0, tol_act, -tol_act), new_step)
        a = np.where(active, b, a)
        fa = np.where(active, fb, fa)
        b = np.where(active, b + new_step, b)
        fb_new = func(b)
        fb = np.where(active, fb_new, fb)
        same_sign = active & (((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0)))
        c = np.where(same_sign, a, c)
        fc = np.where(same_sign, fa, fc)
    root = np.where(done, root, b)
    return root, converged
