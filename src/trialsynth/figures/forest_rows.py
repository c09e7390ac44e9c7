"""The table of a forest plot: study rows, diamonds, blocks and the per-arm number columns.

:class:`ForestLayout` holds everything the figure draws, already computed and formatted; the
helpers here format the per-arm cells (events/total, or mean, SD and total) and their totals
as RevMan 5 prints them (see :mod:`trialsynth.figures.forest`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trialsynth.meta.measures import BINARY, CONTINUOUS, SINGLE_ARM, Measure


@dataclass(frozen=True)
class StudyRow:
    """One study: label, arm numbers (as printed), estimate, Wald CI and weight (%)."""

    label: str
    cells: tuple[str, ...]
    yi: float
    ci_lb: float
    ci_ub: float
    weight: float


@dataclass(frozen=True)
class PooledRow:
    """A diamond: the overall or a subgroup's pooled estimate with its CI."""

    label: str
    cells: tuple[str, ...]
    estimate: float
    ci_lb: float
    ci_ub: float
    weight: float
    note: str = ""


@dataclass(frozen=True)
class Block:
    """A subgroup (or the whole analysis when there are no subgroups)."""

    title: str
    studies: tuple[StudyRow, ...]
    pooled: PooledRow | None


@dataclass
class ForestLayout:
    """Everything a forest plot draws, already computed and formatted."""

    measure: Measure
    level: float
    arm_headers: tuple[str, ...]
    cell_headers: tuple[str, ...]
    blocks: list[Block]
    overall: PooledRow | None
    prediction: tuple[float, float] | None
    footer: list[str]
    favours: tuple[str, str]
    k: int
    title: str = ""
    not_estimable: list[str] = field(default_factory=list)
    #: The subgroup column (protocol ``by``): block titles read "<by>: <value>".
    by: str = ""

    @property
    def studies(self) -> list[StudyRow]:
        """Every study row in drawing order."""
        return [row for block in self.blocks for row in block.studies]


def finite(value: float | None) -> float | None:
    """``value`` as a float, or ``None`` when it is missing or not finite."""
    return None if value is None or not math.isfinite(value) else float(value)


def format_effect(measure: Measure, value: float, lower: float, upper: float) -> str:
    """``"1.23 [0.98, 1.55]"`` on the reporting scale of ``measure``."""
    return measure.format_effect(value, lower, upper)


def _number(value: Any, digits: int) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    if digits == 0:
        return f"{round(number):d}"
    return f"{number:.{digits}f}"


def arm_columns(measure: Measure) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(arm headers, cell headers) of the per-arm number columns of ``measure``."""
    if measure.kind == BINARY:
        return ("Experimental", "Control"), ("Events", "Total", "Events", "Total")
    if measure.kind == CONTINUOUS:
        return ("Experimental", "Control"), ("Mean", "SD", "Total", "Mean", "SD", "Total")
    if measure.kind == SINGLE_ARM:
        return ("Treated",), ("Events", "Total")
    return (), ()


def _count(row: Mapping[str, Any], column: str) -> float:
    """A cell as a number; ``nan`` when empty. A zero count stays 0 (it is a count)."""
    value = row.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def arm_cells(measure: Measure, row: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The per-arm cells of one study row as printed (empty when the row has no record)."""
    n_cells = len(arm_columns(measure)[1])
    if row is None:
        return ("",) * n_cells
    if measure.kind == BINARY:
        ai, bi, ci, di = (_count(row, c) for c in ("ai", "bi", "ci", "di"))
        return (_number(ai, 0), _number(ai + bi, 0), _number(ci, 0), _number(ci + di, 0))
    if measure.kind == CONTINUOUS:
        return (
            _number(row.get("m1i"), 2),
            _number(row.get("sd1i"), 2),
            _number(row.get("n1i"), 0),
            _number(row.get("m2i"), 2),
            _number(row.get("sd2i"), 2),
            _number(row.get("n2i"), 0),
        )
    if measure.kind == SINGLE_ARM:
        return (_number(row.get("xi"), 0), _number(row.get("ni"), 0))
    return ()


def total_cells(measure: Measure, rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The per-arm totals of a diamond row (empty when a count is missing)."""

    def total(*columns: str) -> str:
        values = [_count(r, c) for r in rows for c in columns]
        return _number(sum(values), 0) if values and all(map(math.isfinite, values)) else ""

    if measure.kind == BINARY:
        return (total("ai"), total("ai", "bi"), total("ci"), total("ci", "di"))
    if measure.kind == CONTINUOUS:
        return ("", "", total("n1i"), "", "", total("n2i"))
    if measure.kind == SINGLE_ARM:
        return (total("xi"), total("ni"))
    return ()


def row_suffix(name: str) -> str:
    """The ``" [modality, 28 d]"`` ending of a row label (one study, several rows), or ``""``."""
    start = name.rfind(" [")
    return name[start:] if start > 0 and name.endswith("]") else ""
