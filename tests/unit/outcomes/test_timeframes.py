"""Time frames in days: registry and publication wording, ranges read at their end point."""

from __future__ import annotations

import pytest

from trialsynth.outcomes.timeframes import parse_time_frame, time_frame_days


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Day 28", 28.0),
        ("Week 8", 56.0),
        ("24 hours", 1.0),
        ("Month 6", 182.625),
        ("up to Week 32", 224.0),
        ("Day 1 (pre-randomization) to Day 28 (end of DB treatment phase)", 28.0),
        ("Baseline up to Day 28 of Double-blind Induction Phase", 28.0),
        ("At Endpoint-Double-blind Induction Phase [Day 28]", 28.0),
        ("Days 2, 8, 15, 22 and 28 (DB induction phase)", 28.0),
        ("Baseline (Day 1: predose) to 24 hours post first dose (Day 2)", 2.0),
        (
            "Day 1 (pre-randomization) to Day 2 of DB treatment phase "
            "(24 hours post first dose on Day 1)",
            2.0,
        ),
        ("Time from randomization to the first relapse (up to 92 Weeks)", 644.0),
        ("end of 3-week treatment phase", 21.0),
        ("within 12 months after final treatment session", 365.25),
        ("4 hours after first dose", 0.1667),
        ("day 2-3", 3.0),
    ],
)
def test_time_frame_days(text: str, days: float) -> None:
    assert time_frame_days(text) == pytest.approx(days, abs=1e-4)


@pytest.mark.parametrize(
    "text", ["maintenance phase", "up to 12 sessions", "0.5 mg/kg", "", None, "end of study"]
)
def test_unreadable_time_frames_give_none(text: str | None) -> None:
    assert time_frame_days(text) is None


def test_range_start_and_all_points() -> None:
    frame = parse_time_frame("Day 1 (pre-randomization) to Day 28 (end of DB treatment phase)")
    assert frame.points == (1.0, 28.0)
    assert frame.is_range
    assert frame.point("start") == 1.0


def test_protocol_unit_lengths_are_used() -> None:
    assert time_frame_days("Month 6", unit_days={"month": 30.0}) == 180.0
