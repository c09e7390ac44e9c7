"""Arm-level derivations: events from a posted percentage, SD from SE, combining arms.

References
----------
Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and computing
estimates of effect, section 6.5.2.10 (combining groups; Table 6.5.a) and Chapter 23,
section 23.3.4 (multi-arm studies). Cochrane Handbook for Systematic Reviews of
Interventions, version 6.5, 2024.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


@dataclass(frozen=True)
class PercentDerivation:
    """Events derived from a posted percentage and the check that they reproduce it.

    Attributes
    ----------
    events
        ``round(percent x n / 100)``.
    reproduced
        The percentage ``events / n x 100`` printed to the posted precision.
    ok
        True when ``reproduced`` equals the posted percentage.
    note
        One line saying what was done, for the ``derivation`` column.
    """

    events: int
    reproduced: str
    ok: bool
    note: str


def decimals_of(posted: str) -> int:
    """Number of decimals printed in a posted number (``"54.1"`` -> 1, ``"36"`` -> 0)."""
    text = str(posted).strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def _round_half_up(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def events_from_percent(posted_percent: str, n: int) -> PercentDerivation:
    """Derive an event count from a posted percentage of ``n`` participants.

    ``events = round(percent x n / 100)`` (half up), then ``events / n x 100`` is printed to
    the precision of the posted value and compared with it.

    Raises
    ------
    ValueError
        When the percentage is not a number or ``n`` is not positive.
    """
    try:
        percent = Decimal(str(posted_percent).strip())
    except InvalidOperation as exc:
        raise ValueError(f"percentage {posted_percent!r} is not a number") from exc
    if n <= 0:
        raise ValueError(f"denominator {n} is not positive")
    events = int(_round_half_up(percent * n / 100, 0))
    places = decimals_of(posted_percent)
    reproduced = _round_half_up(Decimal(events) * 100 / n, places)
    ok = reproduced == _round_half_up(percent, places)
    note = (
        f"events = round({posted_percent}% x {n} / 100) = {events}; "
        f"{events}/{n} = {reproduced}% {'reproduces' if ok else 'does NOT reproduce'} "
        f"the posted {posted_percent}%"
    )
    return PercentDerivation(events=events, reproduced=str(reproduced), ok=ok, note=note)


def sd_from_se(se: float, n: int) -> float:
    """Standard deviation from the standard error of a mean: ``SD = SE x sqrt(n)``
    (Cochrane Handbook 6.5.2.2)."""
    return se * math.sqrt(n)


def combine_binary(arms: list[tuple[int, int]]) -> tuple[int, int]:
    """Combine arms of a dichotomous outcome: sum the events and the totals
    (Cochrane Handbook 6.5.2.10 and 23.3.4.1).

    Parameters
    ----------
    arms
        ``(events, n)`` of each arm.
    """
    return sum(e for e, _ in arms), sum(n for _, n in arms)


def combine_means(arms: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    """Combine arms of a continuous outcome into one group (Cochrane Handbook Table 6.5.a).

    For two groups: ``N = N1 + N2``, ``M = (N1 M1 + N2 M2) / N`` and
    ``SD = sqrt(((N1-1) SD1^2 + (N2-1) SD2^2 + N1 N2 / N (M1^2 + M2^2 - 2 M1 M2)) / (N - 1))``;
    more groups are combined one after another, which gives the same result.

    Parameters
    ----------
    arms
        ``(mean, sd, n)`` of each arm.
    """
    mean, sd, n = arms[0]
    for m2, sd2, n2 in arms[1:]:
        total = n + n2
        pooled_var = (
            (n - 1) * sd**2 + (n2 - 1) * sd2**2 + n * n2 / total * (mean**2 + m2**2 - 2 * mean * m2)
        ) / (total - 1)
        mean = (n * mean + n2 * m2) / total
        sd = math.sqrt(pooled_var)
        n = total
    return mean, sd, n
