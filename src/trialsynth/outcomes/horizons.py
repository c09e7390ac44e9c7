"""Horizons: days after the end of a treatment course, from what a curated row states.

A durability number means "so many days after the last dose". Sheets state a horizon in days
from a reference point (``horizon_ref``): the end of the course, randomisation, the first dose,
or a free-text anchor. A horizon counted from another point than the end of the course is
converted only when the sheet gives the day the course ended on that clock
(``course_end_day``); otherwise it is kept apart with the reason. Rows measured while the drug
continues (``on_treatment = yes``) are not durability after the course and are marked so.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Reference points whose horizons can be converted with ``course_end_day``.
END_OF_COURSE = "end_of_treatment"
CONVERTIBLE_REFS = frozenset({END_OF_COURSE, "randomization", "first_dose"})


@dataclass(frozen=True)
class Horizon:
    """The horizon of one row after the end of the course.

    Attributes
    ----------
    days
        Days after the end of the course, or ``None`` when it cannot be stated.
    status
        ``after_course`` (a post-treatment horizon), ``on_treatment`` (the drug continues),
        ``not_convertible`` (reference point without a known course end) or ``no_horizon``.
    basis
        One line saying how ``days`` was obtained, or why it could not be.
    """

    days: float | None
    status: str
    basis: str


def _fmt(value: float) -> str:
    return f"{value:g}"


def horizon_after_course(
    horizon_days: float | None,
    horizon_ref: str | None,
    course_end_day: float | None,
    on_treatment: bool,
) -> Horizon:
    """Convert a stated horizon to days after the end of the course.

    Parameters
    ----------
    horizon_days
        Days after ``horizon_ref`` as the sheet states them.
    horizon_ref
        ``end_of_treatment``, ``randomization``, ``first_dose`` or a free-text anchor.
    course_end_day
        Day the course ended, counted from ``horizon_ref`` (negative when it ended before it).
    on_treatment
        True when the drug continues at the horizon.
    """
    ref = (horizon_ref or "").strip()
    if horizon_days is None:
        return Horizon(None, "no_horizon", f"no horizon stated (reference {ref or '-'})")
    if ref == END_OF_COURSE:
        days: float | None = horizon_days
        basis = f"{_fmt(horizon_days)} d after the end of the course, as stated"
    elif ref in CONVERTIBLE_REFS and course_end_day is not None:
        days = horizon_days - course_end_day
        basis = (
            f"{_fmt(horizon_days)} d from {ref} - course end at day {_fmt(course_end_day)}"
            f" = {_fmt(days)} d after the end of the course"
        )
    elif ref in CONVERTIBLE_REFS:
        days = None
        basis = (
            f"{_fmt(horizon_days)} d counted from {ref}; the course length is not known, so "
            "the horizon after the course cannot be stated"
        )
    else:
        days = None
        basis = f"{_fmt(horizon_days)} d counted from {ref!r}, which is not a convertible point"
    if on_treatment:
        return Horizon(days, "on_treatment", basis + "; the drug continues (on treatment)")
    return Horizon(days, "after_course" if days is not None else "not_convertible", basis)
