"""Tail probabilities and quantiles of the normal, t, chi-squared and F distributions, computed
as ``scipy.stats`` computes them, without importing ``scipy.stats``.

Importing ``scipy.stats`` costs about 0.4 s, most of a small ``trialsynth meta`` job. Each
function here calls the ``scipy.special`` function that the ``scipy.stats`` distribution's
``_sf`` / ``_isf`` / ``_ppf`` calls (SciPy 1.17, ``scipy/stats/_continuous_distns.py``) and
applies the masks of ``rv_continuous.sf`` / ``isf`` / ``ppf``
(``scipy/stats/_distn_infrastructure.py``: NaN for an invalid parameter or argument, the
support's bounds at probabilities 0 and 1, 1 or 0 outside the support), so every number is
bit-identical to ``scipy.stats``'s (``tests/unit/meta/test_distributions.py`` compares them on
a grid that includes the edge cases).

Scalars give NumPy scalars and arrays give arrays, as ``scipy.stats`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

__all__ = [
    "chi2_isf",
    "chi2_ppf",
    "chi2_sf",
    "f_sf",
    "norm_isf",
    "norm_sf",
    "t_isf",
    "t_sf",
]

_INF = np.inf


def _result(output: np.ndarray) -> Any:
    return output[()] if output.ndim == 0 else output


def _tail(
    x: Any,
    params: tuple[Any, ...],
    lower: float,
    upper: float,
    sf: Callable[..., Any],
) -> Any:
    """``rv_continuous.sf`` (loc 0, scale 1): ``sf(x, *params)`` inside the open support
    ``(lower, upper)``, 1 at or below ``lower``, 0 at or above ``upper``, NaN for a NaN ``x``
    or a parameter that is not > 0."""
    x = np.asarray(x)
    x = np.asarray((x - 0) / 1, dtype=np.promote_types(x.dtype, np.float64))
    arrays = np.broadcast_arrays(x, *(np.asarray(p) for p in params))
    x, params = arrays[0], tuple(arrays[1:])
    valid = np.ones(x.shape, dtype=bool)
    for p in params:
        valid &= p > 0
    with np.errstate(invalid="ignore"):
        inside = (lower < x) & (x < upper)
    output = np.zeros(x.shape, dtype=x.dtype)
    output[~valid | np.isnan(x)] = np.nan
    output[valid & (x <= lower)] = 1.0
    good = valid & inside
    if np.any(good):
        output[good] = sf(x[good], *(p[good] for p in params))
    return _result(output)


def _quantile(
    q: Any,
    params: tuple[Any, ...],
    at_zero: float,
    at_one: float,
    quantile: Callable[..., Any],
) -> Any:
    """``rv_continuous.ppf`` / ``isf`` (loc 0, scale 1): ``quantile(q, *params) * 1 + 0``
    for ``0 < q < 1`` (the ``+ 0`` turns ``-0.0`` into ``0.0`` as SciPy's does), the given
    bounds at 0 and 1, NaN for a parameter that is not > 0 or ``q`` outside ``[0, 1]``."""
    arrays = np.broadcast_arrays(np.asarray(q), *(np.asarray(p) for p in params))
    q, params = arrays[0], tuple(arrays[1:])
    valid = np.ones(q.shape, dtype=bool)
    for p in params:
        valid &= p > 0
    output = np.full(q.shape, np.nan)
    output[valid & (q == 0)] = at_zero
    output[valid & (q == 1)] = at_one
    good = valid & (q > 0) & (q < 1)
    if np.any(good):
        output[good] = quantile(q[good], *(p[good] for p in params)) * 1 + 0
    return _result(output)


def norm_sf(x: Any) -> Any:
    """``scipy.stats.norm.sf(x)``: ``ndtr(-x)``."""
    return _tail(x, (), -_INF, _INF, lambda v: special.ndtr(-v))


def norm_isf(q: Any) -> Any:
    """``scipy.stats.norm.isf(q)``: ``-ndtri(q)``."""
    return _quantile(q, (), _INF, -_INF, lambda p: -special.ndtri(p))


def t_sf(x: Any, df: Any) -> Any:
    """``scipy.stats.t.sf(x, df)``: ``stdtr(df, -x)``."""
    return _tail(x, (df,), -_INF, _INF, lambda v, d: special.stdtr(d, -v))


def t_isf(q: Any, df: Any) -> Any:
    """``scipy.stats.t.isf(q, df)``: ``-stdtrit(df, q)``."""
    return _quantile(q, (df,), _INF, -_INF, lambda p, d: -special.stdtrit(d, p))


def chi2_sf(x: Any, df: Any) -> Any:
    """``scipy.stats.chi2.sf(x, df)``: ``chdtrc(df, x)`` (support ``(0, inf)``)."""
    return _tail(x, (df,), 0.0, _INF, lambda v, d: special.chdtrc(d, v))


def chi2_isf(q: Any, df: Any) -> Any:
    """``scipy.stats.chi2.isf(q, df)``: ``chdtri(df, q)``."""
    return _quantile(q, (df,), _INF, 0.0, lambda p, d: special.chdtri(d, p))


def chi2_ppf(q: Any, df: Any) -> Any:
    """``scipy.stats.chi2.ppf(q, df)``: ``2 * gammaincinv(df / 2, q)``."""
    return _quantile(q, (df,), 0.0, _INF, lambda p, d: 2 * special.gammaincinv(d / 2, p))


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """``scipy.stats.f.sf(x, dfn, dfd)``: ``fdtrc(dfn, dfd, x)`` (support ``(0, inf)``)."""
    return _tail(x, (dfn, dfd), 0.0, _INF, lambda v, m, n: special.fdtrc(m, n, v))
