"""Events from posted percentages and the Cochrane Handbook combination of arms."""

from __future__ import annotations

import math

import pytest

from trialsynth.outcomes.derive import (
    combine_binary,
    combine_means,
    decimals_of,
    events_from_percent,
    sd_from_se,
)


def test_events_from_percent_reproduces_posted_value() -> None:
    # TRANSFORM-2 (NCT02418585) posted 63.4 % of 112 responders in the esketamine arm.
    derived = events_from_percent("63.4", 112)
    assert derived.events == 71
    assert derived.reproduced == "63.4"
    assert derived.ok


def test_events_from_percent_flags_a_mismatch() -> None:
    # NCT02918318 day 2, placebo: 9.0 % of 79 -> 7 events, but 7/79 = 8.9 %.
    derived = events_from_percent("9.0", 79)
    assert derived.events == 7
    assert derived.reproduced == "8.9"
    assert not derived.ok
    assert "does NOT reproduce" in derived.note


def test_precision_follows_the_posted_string() -> None:
    assert decimals_of("36") == 0
    assert decimals_of("54.10") == 2
    assert events_from_percent("36", 111).events == 40  # 39.96 -> 40; 40/111 = 36 %


def test_bad_percent_inputs_raise() -> None:
    with pytest.raises(ValueError, match="not a number"):
        events_from_percent("NA", 10)
    with pytest.raises(ValueError, match="not positive"):
        events_from_percent("10", 0)


def test_combine_binary_sums_events_and_totals() -> None:
    assert combine_binary([(61, 115), (54, 113)]) == (115, 228)


def test_combine_means_equals_the_pooled_sample_formula() -> None:
    # TRANSFORM-1 MMRM change: esketamine 56 mg -19.0 (13.86) n=111, 84 mg -18.8 (14.12) n=98.
    arms = [(-19.0, 13.86, 111), (-18.8, 14.12, 98)]
    mean, sd, n = combine_means(arms)
    total = sum(a[2] for a in arms)
    grand = sum(m * k for m, _, k in arms) / total
    # Same quantity written as within-group plus between-group sums of squares.
    ss = sum((k - 1) * s**2 + k * (m - grand) ** 2 for m, s, k in arms)
    assert n == 209
    assert mean == pytest.approx(-18.906220095693782, rel=1e-12)
    assert sd == pytest.approx(math.sqrt(ss / (total - 1)), rel=1e-12)
    assert sd == pytest.approx(13.949144, abs=1e-6)


def test_combine_three_arms_is_order_free() -> None:
    arms = [(-15.2, 13.07, 39), (-14.5, 10.53, 34), (-15.1, 12.21, 39)]
    forward = combine_means(arms)
    backward = combine_means(arms[::-1])
    assert forward == pytest.approx(backward, rel=1e-12)
    assert forward[2] == 112


def test_sd_from_se() -> None:
    assert sd_from_se(1.5, 100) == pytest.approx(15.0)
