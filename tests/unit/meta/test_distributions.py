"""trialsynth.meta.distributions gives scipy.stats's numbers bit for bit (NaN where it gives
NaN, the sign of a zero included), on a grid with the edge cases: probabilities 0 and 1,
arguments at and beyond the support, NaN, infinite and invalid degrees of freedom."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from trialsynth.meta import distributions as d

X = np.array(
    [
        -np.inf,
        -40.0,
        -3.5,
        -1.0,
        -0.0,
        0.0,
        1e-300,
        0.3,
        1.959963984540054,
        7.0,
        80.0,
        np.inf,
        np.nan,
    ]
)
Q = np.array(
    [0.0, 1e-300, 1e-12, 0.005, 0.025, 0.05, 0.5, 0.8, 0.975, 1 - 1e-12, 1.0, -0.1, 1.1, np.nan]
)
DF = [1, 2, 3, 4.5, 9, 30, 347, 1e6, np.inf, 0, -1, np.nan]


def _same(ours: object, theirs: object) -> None:
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)
    assert np.array_equal(np.signbit(a), np.signbit(b))
    assert type(ours) is type(theirs)


@pytest.mark.parametrize("df", DF)
def test_t_chi2_f(df: float) -> None:
    with np.errstate(all="ignore"):
        _same(d.t_sf(X, df), stats.t.sf(X, df))
        _same(d.t_isf(Q, df), stats.t.isf(Q, df))
        _same(d.chi2_sf(X, df), stats.chi2.sf(X, df))
        _same(d.chi2_isf(Q, df), stats.chi2.isf(Q, df))
        _same(d.chi2_ppf(Q, df), stats.chi2.ppf(Q, df))
        for dfd in (1, 7, 120, np.inf, 0):
            _same(d.f_sf(X, df, dfd), stats.f.sf(X, df, dfd))
        for x, q in zip(X, Q, strict=False):
            _same(d.t_sf(x, df), stats.t.sf(x, df))
            _same(d.t_isf(q, df), stats.t.isf(q, df))
            _same(d.chi2_sf(x, df), stats.chi2.sf(x, df))
            _same(d.chi2_isf(q, df), stats.chi2.isf(q, df))
            _same(d.chi2_ppf(q, df), stats.chi2.ppf(q, df))
            _same(d.f_sf(x, 2, df), stats.f.sf(x, 2, df))


def test_normal_and_arrays_of_parameters() -> None:
    with np.errstate(all="ignore"):
        _same(d.norm_sf(X), stats.norm.sf(X))
        _same(d.norm_isf(Q), stats.norm.isf(Q))
        for x, q in zip(X, Q, strict=False):
            _same(d.norm_sf(x), stats.norm.sf(x))
            _same(d.norm_isf(q), stats.norm.isf(q))
        dfs = np.array([1, 2, 5, 0, 40])
        _same(d.chi2_isf(0.025, dfs), stats.chi2.isf(0.025, dfs))
        _same(d.chi2_ppf(0.025, dfs), stats.chi2.ppf(0.025, dfs))
        _same(d.t_isf(0.025, dfs), stats.t.isf(0.025, dfs))
        _same(
            d.chi2_sf(np.array([3.0, 0.5, 2.0, 1.0, 60.0]), dfs),
            stats.chi2.sf([3.0, 0.5, 2.0, 1.0, 60.0], dfs),
        )
        _same(d.t_sf(2.0, dfs), stats.t.sf(2.0, dfs))
        _same(d.t_sf([2, 3], 4), stats.t.sf([2, 3], 4))
