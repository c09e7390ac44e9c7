"""Checks across the rows of curated sheets: duplicated arms and percentages that contradict
their counts.

A curated row is one arm of one outcome at one time point in one source. The same arm entered
twice (in one sheet, or in two sheets that both transcribe the same source) must be pooled once,
never as a second arm of the study; the same arm entered twice with *different* numbers is an
error the curator must resolve. A row whose printed percentage contradicts ``events / arm_n``
beyond the rounding (or truncation) of its printed digits holds a wrong number and is not pooled.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from trialsynth.errors import InputError
from trialsynth.outcomes.derive import decimals_of

#: The numbers of a row that must agree for two rows of the same arm to be one duplicate.
ARM_NUMBERS = ("arm_n", "events", "percent", "mean", "sd", "effect", "ci_low", "ci_high")


def percent_contradiction(events: int, n: int, posted_percent: str) -> str | None:
    """Why a printed percentage contradicts ``events / n``, or ``None`` when it agrees.

    The percentage agrees when ``100 x events / n`` printed to the posted number of decimals
    (rounded half up, half to even, or truncated, as journals do) equals the posted value.

    Parameters
    ----------
    events, n
        The counts of the row (``n > 0``).
    posted_percent
        The percentage as printed in the sheet (``"26.7"``).
    """
    try:
        posted = Decimal(str(posted_percent).strip())
    except InvalidOperation:
        return f"percent {posted_percent!r} is not a number"
    if n <= 0:
        return f"arm_n {n} is not positive"
    exact = Decimal(events) * 100 / Decimal(n)
    step = Decimal(1).scaleb(-decimals_of(str(posted_percent)))
    printed = {exact.quantize(step, rounding=mode) for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN)}
    printed.add(exact.quantize(step, rounding=ROUND_DOWN))
    if posted.quantize(step) in printed:
        return None
    shown = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return (
        f"percent {posted_percent} contradicts events/arm_n = {events}/{n} = {shown}% "
        "(beyond the rounding of the printed digits); correct events, arm_n or percent"
    )


def _norm(value: Any) -> str:
    return " ".join(str(value or "").lower().split())


def _number(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value)).normalize()
    except InvalidOperation:
        return None


def _numbers(row: dict[str, Any]) -> tuple[Decimal | None, ...]:
    return tuple(_number(row.get(col)) for col in ARM_NUMBERS)


def _source_id(row: dict[str, Any]) -> str:
    return str(row.get("pmid") or row.get("nct_id") or row.get("source") or "")


def mark_duplicates(rows: list[dict[str, Any]], paths: dict[str, str]) -> int:
    """Mark every repeated arm unusable (pooled once) and return how many were marked.

    Two rows are the same arm when they name the same source (PMID, else NCT ID, else source),
    outcome label, time point and arm label; or, when they come from different sheets, the same
    source, outcome and time point (days) with identical numbers (arm size and events or mean,
    or an effect estimate with its CI): the same arm or contrast transcribed twice under
    different labels. The first row in sheet order is kept; each later
    copy gets ``usable = False`` and ``issue`` naming the row it repeats, so it is counted in
    the exclusions and never pooled as a second arm.

    Parameters
    ----------
    rows
        Outcome rows of the curated sheets (``record_id`` is ``<file>:row <n>``), in sheet order.
    paths
        ``{file name: path}`` for error messages.

    Raises
    ------
    InputError
        When two rows of the same arm hold different numbers: names both rows and the fix.
    """
    by_label: dict[tuple[Any, ...], dict[str, Any]] = {}
    by_numbers: dict[tuple[Any, ...], dict[str, Any]] = {}
    marked = 0
    for row in rows:
        source = _source_id(row)
        label_key = (
            source,
            _norm(row["measure_title"]),
            _norm(row["timepoint_text"]),
            row["timepoint_days"],
            _norm(row["group"]),
        )
        first = by_label.get(label_key)
        if first is not None:
            if _numbers(first) != _numbers(row):
                raise InputError(
                    f"{row['record_id']} repeats the arm of {first['record_id']} (same source "
                    f"{source}, outcome {row['measure_title']!r}, time point "
                    f"{row['timepoint_text']!r}, arm {row['group']!r}) with different numbers "
                    f"{dict(zip(ARM_NUMBERS, _numbers(row), strict=True))} vs "
                    f"{dict(zip(ARM_NUMBERS, _numbers(first), strict=True))}",
                    path=paths.get(str(row["source_file"]), row["source_file"]),
                    record=row["record_id"].split(":", 1)[1],
                    hint="delete the wrong row, or name the arms (or time points) apart",
                )
            _mark(row, first)
            marked += 1
            continue
        by_label[label_key] = row
        numbers = _numbers(row)
        keys: list[tuple[Any, ...]] = []
        if numbers[0] is not None and (numbers[1] is not None or numbers[3] is not None):
            keys.append(("arm", numbers[:5]))
        elif None not in numbers[5:]:
            keys.append(("estimate", row.get("effect_measure"), numbers[5:]))
        for what in keys:
            number_key = (source, row["outcome"], row["timepoint_days"], what)
            twin = by_numbers.get(number_key)
            if twin is not None and twin["source_file"] != row["source_file"] and twin["usable"]:
                _mark(row, twin)
                marked += 1
                break
            by_numbers.setdefault(number_key, row)
    return marked


def _mark(row: dict[str, Any], first: dict[str, Any]) -> None:
    row["usable"] = False
    row["issue"] = (
        f"duplicate of {first['record_id']} (same source, outcome, time point and arm); pooled once"
    )
