"""Where every mark of a forest plot goes: texts, CI lines, squares and diamonds, in inches.

The rows are placed top down, one text row at a time (y decreases by one per row): the title,
the column headers, each block's studies and diamond, the overall diamond and the prediction
interval, then the effect axis with its ticks, the "favours" labels and the footer. A study's
square has an area proportional to its weight (RevMan 5; metafor ``forest.rma``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from trialsynth.figures.forest_geometry import (
    FONT_SIZE,
    Geometry,
    block_title,
    column_geometry,
    comparative,
)
from trialsynth.figures.forest_rows import (
    Block,
    ForestLayout,
    PooledRow,
    StudyRow,
    format_effect,
    row_suffix,
)
from trialsynth.figures.text_width import fit_text, text_width, wrap_text
from trialsynth.figures.ticks import effect_ticks


@dataclass(frozen=True)
class EffectAxis:
    """The effect axis: its ticks (reporting-scale labels) and where it sits (inches)."""

    ticks: list[float]
    tick_labels: list[str]
    left: float
    right: float

    def to_x(self, value: float) -> float:
        """The position of ``value`` (analysis scale), clipped to the axis."""
        lo_axis, hi_axis = self.ticks[0], self.ticks[-1]
        clipped = min(max(value, lo_axis), hi_axis)
        return self.left + (clipped - lo_axis) / (hi_axis - lo_axis) * (self.right - self.left)

    @property
    def middle(self) -> float:
        """The centre of the axis (its header and label)."""
        return (self.left + self.right) / 2


@dataclass
class ForestMarks:
    """The marks of one forest plot as rows of plotnine data, with the frame's limits."""

    layout: ForestLayout
    geo: Geometry
    axis: EffectAxis
    texts: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    squares: list[dict[str, Any]] = field(default_factory=list)
    diamonds: list[dict[str, Any]] = field(default_factory=list)
    tick_rows: list[dict[str, Any]] = field(default_factory=list)
    #: Top of the study rows, the axis line and the bottom of the figure (text rows).
    top_of_rows: float = 0.0
    axis_y: float = 0.0
    bottom: float = 0.0
    #: Position of the line of no effect, ``None`` when it is not drawn.
    null_x: float | None = None

    def text(self, x: float, y: float, label: str, ha: str = "left", bold: bool = False) -> None:
        """Add a text (an empty ``label`` adds nothing)."""
        if label:
            self.texts.append(
                {
                    "x": x,
                    "y": y,
                    "label": label,
                    "ha": ha,
                    "fontweight": "bold" if bold else "normal",
                }
            )

    def label_text(self, y: float, value: str, bold: bool = False) -> None:
        """Add a text of the label column, shortened with an ellipsis to fit it."""
        geo = self.geo
        # A row's " [modality, 28 d]" ending tells rows of one study apart: it stays whole and
        # the name before it is shortened.
        suffix = row_suffix(value)
        room = geo.label_room - text_width(suffix, FONT_SIZE, bold)
        if suffix and text_width(value, FONT_SIZE, bold) > geo.label_room and room > 0.6:
            value = fit_text(value[: -len(suffix)], room, FONT_SIZE, bold) + suffix
        self.text(geo.label_x, y, fit_text(value, geo.label_room, FONT_SIZE, bold), bold=bold)


def place_marks(layout: ForestLayout) -> ForestMarks:
    """Place every mark of ``layout``: header, rows, axis and footer, top down."""
    geo = column_geometry(layout)
    marks = ForestMarks(layout, geo, effect_axis(layout, geo))
    y = _place_header(marks, 0.0)
    marks.top_of_rows = y + 0.5
    y = _place_rows(marks, y)
    marks.axis_y = y
    y = _place_axis(marks, y)
    marks.bottom = _place_footer(marks, y)
    return marks


def effect_axis(layout: ForestLayout, geo: Geometry) -> EffectAxis:
    """An axis with round ticks spanning every CI, the prediction interval and the null."""
    measure = layout.measure
    bounds = [v for r in layout.studies for v in (r.ci_lb, r.ci_ub) if math.isfinite(v)]
    for pooled in [layout.overall, *(b.pooled for b in layout.blocks)]:
        if pooled is not None:
            bounds += [pooled.ci_lb, pooled.ci_ub]
    if layout.prediction:
        bounds += list(layout.prediction)
    if measure.null is not None:
        bounds.append(measure.null)
    lower, upper = (min(bounds), max(bounds)) if bounds else (-1.0, 1.0)
    ticks, tick_labels = effect_ticks(measure, lower, upper)
    return EffectAxis(ticks, tick_labels, geo.axis_left, geo.axis_right)


def _place_header(marks: ForestMarks, y: float) -> float:
    """The wrapped title and the column headers; returns the y of the first row."""
    layout, geo = marks.layout, marks.geo
    text = marks.text
    if layout.title:
        for line in wrap_text(layout.title, geo.width - 2 * geo.label_x, FONT_SIZE, bold=True):
            text(geo.label_x, y, line, bold=True)
            y -= 1.0
        y -= 0.4
    for centre, header in zip(geo.arm_centre, layout.arm_headers, strict=True):
        text(centre, y, header, ha="center", bold=True)
    if any(math.isfinite(r.weight) for r in layout.studies):
        text(geo.weight_right, y - 0.9, "Weight", ha="right", bold=True)
    text(geo.label_x, y - 0.9, "Study", bold=True)
    for right, header in zip(geo.cell_right, layout.cell_headers, strict=True):
        text(right, y - 0.9, header, ha="right", bold=True)
    effect = f"{layout.measure.short} [{layout.level:g}% CI]"
    text(marks.axis.middle, y - 0.9, effect, ha="center", bold=True)
    text(geo.effect_x, y - 0.9, effect, bold=True)
    return y - 2.0


def _place_rows(marks: ForestMarks, y: float) -> float:
    """Every block, the studies that could not be estimated, the overall diamond and the
    prediction interval; returns the y of the axis."""
    layout = marks.layout
    weights = [r.weight for r in layout.studies if math.isfinite(r.weight)]
    max_weight = max(weights) if weights else 0.0
    for block in layout.blocks:
        y = _place_block(marks, block, y, max_weight)
    for name in layout.not_estimable:
        marks.label_text(y, f"{name} (not estimable: no events in either arm)")
        y -= 1.0
    if layout.overall is not None:
        _place_diamond(marks, layout.overall, y)
        y -= 1.0
    if layout.prediction is not None:
        geo, to_x = marks.geo, marks.axis.to_x
        marks.text(geo.label_x, y, "Prediction interval")
        pi_lb, pi_ub = layout.prediction
        marks.segments.append(
            {"x": to_x(pi_lb), "xend": to_x(pi_ub), "y": y, "yend": y, "pi": True}
        )
        back = layout.measure.back_transform
        marks.text(geo.effect_x, y, f"[{back(pi_lb):.2f}, {back(pi_ub):.2f}]")
        y -= 1.0
    return y


def _place_block(marks: ForestMarks, block: Block, y: float, max_weight: float) -> float:
    """A block's title, its studies and its subtotal diamond; returns the y after it."""
    if block.title:
        marks.label_text(y, block_title(marks.layout, block), bold=True)
        y -= 1.0
    for row in block.studies:
        _place_study(marks, row, y, max_weight)
        y -= 1.0
    if block.pooled is not None:
        _place_diamond(marks, block.pooled, y)
        y -= 0.9
        marks.text(marks.geo.label_x, y, block.pooled.note)
        y -= 1.2
    elif block.title:
        y -= 0.4
    return y


def _place_study(marks: ForestMarks, row: StudyRow, y: float, max_weight: float) -> None:
    """A study's label, cells, weight and estimate, its CI line and its weighted square."""
    geo, to_x = marks.geo, marks.axis.to_x
    marks.label_text(y, row.label)
    for right, cell in zip(geo.cell_right, row.cells, strict=False):
        marks.text(right, y, cell, ha="right")
    if math.isfinite(row.weight):
        marks.text(geo.weight_right, y, f"{row.weight:.1f}%", ha="right")
    marks.text(geo.effect_x, y, format_effect(marks.layout.measure, row.yi, row.ci_lb, row.ci_ub))
    marks.segments.append(
        {"x": to_x(row.ci_lb), "xend": to_x(row.ci_ub), "y": y, "yend": y, "pi": False}
    )
    size = 1.2 + 4.0 * math.sqrt(row.weight / max_weight) if max_weight else 2.5
    marks.squares.append({"x": to_x(row.yi), "y": y, "size": size})


def _place_diamond(marks: ForestMarks, pooled: PooledRow, y: float) -> None:
    """A pooled row: bold label, totals, weight and estimate, and its diamond over the CI."""
    geo, to_x = marks.geo, marks.axis.to_x
    marks.label_text(y, pooled.label, bold=True)
    for right, cell in zip(geo.cell_right, pooled.cells, strict=False):
        marks.text(right, y, cell, ha="right", bold=True)
    marks.text(geo.weight_right, y, f"{pooled.weight:.1f}%", ha="right", bold=True)
    estimate = format_effect(marks.layout.measure, pooled.estimate, pooled.ci_lb, pooled.ci_ub)
    marks.text(geo.effect_x, y, estimate, bold=True)
    points = [(pooled.ci_lb, 0.0), (pooled.estimate, 0.38), (pooled.ci_ub, 0.0),
              (pooled.estimate, -0.38)]  # fmt: skip
    group = f"d{len(marks.diamonds)}"
    marks.diamonds.extend({"x": to_x(px), "y": y + py, "group": group} for px, py in points)


def _place_axis(marks: ForestMarks, axis_y: float) -> float:
    """The ticks and their labels, the "favours" labels beside the line of no effect and the
    axis label; returns the y of the footer."""
    layout, axis = marks.layout, marks.axis
    measure = layout.measure
    for tick, label in zip(axis.ticks, axis.tick_labels, strict=True):
        x = axis.to_x(tick)
        marks.tick_rows.append({"x": x, "xend": x, "y": axis_y, "yend": axis_y - 0.3})
        marks.text(x, axis_y - 0.9, label, ha="center")
    y = axis_y - 1.8
    lo_axis, hi_axis = axis.ticks[0], axis.ticks[-1]
    if measure.null is not None and lo_axis <= measure.null <= hi_axis and comparative(layout):
        null_x = marks.null_x = axis.to_x(measure.null)
        favour_left, favour_right = layout.favours
        if favour_left or favour_right:
            marks.text(null_x - 0.08, y, favour_left, ha="right")
            marks.text(null_x + 0.08, y, favour_right, ha="left")
            y -= 1.0
    marks.text(axis.middle, y, measure.axis_label, ha="center")
    return y - 1.3


def _place_footer(marks: ForestMarks, y: float) -> float:
    """The footer lines wrapped to the figure width; returns the bottom of the figure."""
    geo = marks.geo
    for line in marks.layout.footer:
        for part in wrap_text(line, geo.width - 2 * geo.label_x, FONT_SIZE):
            marks.text(geo.label_x, y, part)
            y -= 1.0
    return y - 0.2
