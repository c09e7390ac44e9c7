"""Reading registry and publication time frames ("Day 28", "Week 8", "up to Week 32") as days.

A time frame names one or more time points. A range such as "Day 1 (pre-randomization) to Day
28 (end of DB treatment phase)" is read as its end point by default, because an outcome "from
baseline to day 28" is assessed at day 28 (the protocol may choose the start instead). A list
("Days 2, 8, 15, 22 and 28") has several points; the caller decides which one it needs.
Text that names no time point in a known unit returns ``None``: the caller counts and reports
it, nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Default length of each unit in days. Months and years use the mean Gregorian lengths.
DEFAULT_UNIT_DAYS: dict[str, float] = {
    "minute": 1.0 / 1440.0,
    "hour": 1.0 / 24.0,
    "day": 1.0,
    "week": 7.0,
    "month": 30.4375,
    "year": 365.25,
}

_UNIT_WORDS: dict[str, str] = {
    "min": "minute",
    "mins": "minute",
    "minute": "minute",
    "minutes": "minute",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    "d": "day",
    "day": "day",
    "days": "day",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "mo": "month",
    "month": "month",
    "months": "month",
    "yr": "year",
    "year": "year",
    "years": "year",
}

_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = "|".join(sorted(_UNIT_WORDS, key=len, reverse=True))
# "Day 28", "Week 8", "Days 2, 8, 15, 22 and 28" (unit before the numbers)
_FULL_UNIT = "minutes?|hours?|days?|weeks?|months?|years?"
_UNIT_FIRST = re.compile(
    rf"\b(?P<unit>{_FULL_UNIT})\s*(?P<nums>{_NUMBER}(?:\s*(?:,|and|&|or|-|–|to|through)\s*{_NUMBER})*)\b",
    re.IGNORECASE,
)
# "24 hours", "6 months", "3-week" (numbers before the unit)
_NUMBER_FIRST = re.compile(rf"\b(?P<num>{_NUMBER})\s*-?\s*(?P<unit>{_UNIT})\b", re.IGNORECASE)
_LIST_NUMBER = re.compile(_NUMBER)
# Number words used in registry time frames ("three weeks").
_WORD_NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
}
_WORD_NUMBER_RE = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class TimeFrame:
    """The time points a time-frame text names, in days, in the order they appear.

    Attributes
    ----------
    text
        The text as read.
    points
        Every time point found, in days.
    is_range
        True when the text describes a span ("to", "up to", "through", "from ... to").
    """

    text: str
    points: tuple[float, ...]
    is_range: bool

    def point(self, range_point: str = "end") -> float | None:
        """The single time point of this frame: the latest point named when ``range_point``
        is ``"end"`` (the end of a range, the last of a list, whichever parenthetical names
        it), the earliest when ``"start"``; ``None`` when nothing was read."""
        if not self.points:
            return None
        return max(self.points) if range_point == "end" else min(self.points)


def parse_time_frame(text: str | None, unit_days: dict[str, float] | None = None) -> TimeFrame:
    """Read the time points of a time-frame text, in days.

    Parameters
    ----------
    text
        A CT.gov ``timeFrame`` or a publication's time-point text.
    unit_days
        Length of each unit in days (``DEFAULT_UNIT_DAYS`` when omitted).

    Returns
    -------
    TimeFrame
        With ``points`` empty when no time point could be read.

    Examples
    --------
    >>> parse_time_frame("Day 1 (pre-randomization) to Day 28 (end of DB treatment phase)").point()
    28.0
    >>> parse_time_frame("up to Week 32").point()
    224.0
    """
    units = {**DEFAULT_UNIT_DAYS, **(unit_days or {})}
    raw = "" if text is None else str(text)
    normalised = _WORD_NUMBER_RE.sub(lambda m: _WORD_NUMBERS[m.group(1).lower()], raw)
    found: list[tuple[int, float]] = []
    taken: list[tuple[int, int]] = []
    for match in _UNIT_FIRST.finditer(normalised):
        unit = _UNIT_WORDS[match.group("unit").lower()]
        start = match.start("nums")
        for number in _LIST_NUMBER.finditer(match.group("nums")):
            found.append((start + number.start(), float(number.group()) * units[unit]))
        taken.append(match.span())
    for match in _NUMBER_FIRST.finditer(normalised):
        if any(lo <= match.start() < hi for lo, hi in taken):
            continue
        unit = _UNIT_WORDS[match.group("unit").lower()]
        found.append((match.start(), float(match.group("num")) * units[unit]))
    found.sort()
    points = tuple(round(days, 4) for _, days in found)
    is_range = bool(re.search(r"(?i)\b(to|up to|through|until|thru)\b|–|\d\s*-\s*\d", normalised))
    return TimeFrame(text=raw, points=points, is_range=is_range)


def time_frame_days(
    text: str | None, range_point: str = "end", unit_days: dict[str, float] | None = None
) -> float | None:
    """The single time point of ``text`` in days (see :meth:`TimeFrame.point`), or ``None``."""
    return parse_time_frame(text, unit_days).point(range_point)
