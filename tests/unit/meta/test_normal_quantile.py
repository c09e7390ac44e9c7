"""The normal quantiles kept as constants equal SciPy's, bit for bit, and so do the numbers
computed from them (critical values, the Wilson interval, the optimal information size)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from trialsynth.meta import distributions
from trialsynth.meta.normal_quantile import KNOWN_NDTRI, KNOWN_T1_ISF, ndtri, norm_isf, t1_isf
from trialsynth.meta.result import z_critical
from trialsynth.report.certainty import RELATIVE_CHANGE, optimal_information_size
from trialsynth.report.claims import wilson_interval

LEVELS = (80.0, 90.0, 95.0, 99.0, 99.9)


@pytest.mark.parametrize("q", sorted(KNOWN_NDTRI))
def test_every_kept_quantile_is_scipys(q: float) -> None:
    assert KNOWN_NDTRI[q] == float(special.ndtri(q))
    assert ndtri(q) == special.ndtri(q) and isinstance(ndtri(q), np.float64)
    assert norm_isf(q) == distributions.norm_isf(q)
    assert t1_isf(q) == distributions.t_isf(q, 1) and isinstance(t1_isf(q), np.float64)


@pytest.mark.parametrize("q", sorted(KNOWN_T1_ISF))
def test_every_kept_t1_quantile_is_scipys(q: float) -> None:
    assert KNOWN_T1_ISF[q] == float(distributions.t_isf(q, 1))


def test_the_kept_keys_are_the_probabilities_the_package_asks_for() -> None:
    lower = {(1 - level / 100) / 2 for level in LEVELS} | {0.05 / 2, 1 - 0.8}
    upper = {0.5 + level / 200 for level in (90.0, 95.0, 99.0)}  # outcomes' reported CIs
    assert set(KNOWN_NDTRI) == lower | upper
    assert set(KNOWN_T1_ISF) == lower


@pytest.mark.parametrize("q", [1e-300, 0.001, 0.0123, 0.5, 0.77, 1 - 1e-12])
def test_other_probabilities_are_computed_by_scipy(q: float) -> None:
    assert q not in KNOWN_NDTRI
    assert ndtri(q) == special.ndtri(q)
    assert norm_isf(q) == distributions.norm_isf(q)
    assert t1_isf(q) == distributions.t_isf(q, 1)


@pytest.mark.parametrize("q", [0.0, 1.0, -0.5, 2.0, math.nan])
def test_bounds_and_invalid_probabilities_keep_scipys_masks(q: float) -> None:
    np.testing.assert_equal(norm_isf(q), distributions.norm_isf(q))


@pytest.mark.parametrize("level", [*LEVELS, 97.5, 50.0])
def test_critical_values_and_wilson_intervals_are_unchanged(level: float) -> None:
    assert z_critical(level) == float(-special.ndtri((1 - level / 100) / 2))
    z = float(distributions.norm_isf((1 - level / 100) / 2))
    events, total = 7.0, 31.0
    p = events / total
    centre = (p + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / (1 + z**2 / total)
    assert wilson_interval(events, total, level / 100) == (centre - half, centre + half)


@pytest.mark.parametrize("risk", [1e-7, 0.01, 0.1, 0.2, 0.333, 0.49, 0.5, 0.7, 0.99])
def test_optimal_information_size_is_unchanged(risk: float) -> None:
    p2 = min(max(risk, 1e-6), 1 - 1e-6)
    p1 = min(p2 * (1 + RELATIVE_CHANGE), 1 - 1e-6) if p2 < 0.5 else p2 * (1 - RELATIVE_CHANGE)
    z = -special.ndtri(0.05 / 2) - special.ndtri(1 - 0.8)
    per_arm = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    assert optimal_information_size(risk) == 2 * math.ceil(per_arm)
