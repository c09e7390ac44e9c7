"""Forest plot of a random-effects meta-analysis as RevMan and metafor draw it (plotnine).

Layout (Cochrane RevMan 5 "forest plot"; metafor ``forest.rma``, Viechtbauer 2010, J Stat Softw
36(3)): one row per study with the numbers behind it (events/total per arm, or mean, SD and
total), its random-effects weight in percent (``1 / (v_i + tau^2)``), its estimate with the Wald
confidence interval ``y_i +/- z sqrt(v_i)`` drawn as a square whose area is proportional to the
weight, and the estimate printed as ``1.23 [0.98, 1.55]``. The pooled estimate is a diamond
spanning its confidence interval; the prediction interval is a bar on its own row. A subgroup
analysis (protocol ``by``) draws one block per subgroup with its own diamond and heterogeneity,
and the test for subgroup differences in the footer. The footer states tau^2, I^2 with their
Q-profile CIs, Q with its df and p, and the test for the overall effect; "favours" labels sit
under the axis, whose ticks are round values on the reporting scale.

A single-study analysis (k = 1) shows the study and says k = 1: nothing is pooled, so there is
no diamond and no prediction interval (metafor gives the study's CI as the "PI" at k = 1). A
meta-regression has no single pooled estimate: its rows are drawn without weights or diamond and
the footer says where its coefficients are.

Study labels are fitted to the label column: a label wider than the column ends with an
ellipsis (the full label stays in the report's tables); a long title is wrapped to the width.

The figure reads only the analysis input table and the engine's result, so every number drawn is
one the report also prints.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trialsynth.errors import InputError
from trialsynth.figures.save import save_figure
from trialsynth.figures.text_width import fit_text, text_width, wrap_text
from trialsynth.figures.ticks import effect_ticks
from trialsynth.formatting import format_p
from trialsynth.meta.measures import BINARY, CONTINUOUS, PRECOMPUTED, SINGLE_ARM, Measure
from trialsynth.meta.result import MetaResult, z_critical

log = logging.getLogger(__name__)

#: Tests whose statistic is t with k - 1 df (Knapp-Hartung and its ad hoc variant).
T_TESTS = frozenset({"knha", "adhoc", "t"})
ROW_HEIGHT = 0.2  # inches per text row
FONT_SIZE = 7.0
#: Narrowest and widest label column (inches); longer labels end with an ellipsis.
LABEL_WIDTH = (1.4, 3.0)
#: Free space (inches) between the label column and the first number column.
LABEL_GAP = 0.1


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


def _finite(value: float | None) -> float | None:
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


def _arm_cells(measure: Measure, row: Mapping[str, Any] | None) -> tuple[str, ...]:
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


def _total_cells(measure: Measure, rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
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


def _heterogeneity(tau2: float | None, i2: float | None, extra: str = "") -> str:
    parts = []
    if tau2 is not None:
        parts.append(f"τ² = {tau2:.2f}" if tau2 >= 0.005 or tau2 == 0 else f"τ² = {tau2:.3f}")
    if i2 is not None:
        parts.append(f"I² = {i2:.0f}%")
    return "Heterogeneity: " + "; ".join(parts) + extra if parts else ""


def _overall_test(result: MetaResult) -> str:
    stat, p = _finite(result.stat), _finite(result.pval)
    if stat is None or result.effect_measure().null is None:
        return ""  # a single-arm proportion has no "no effect" value to test against
    test = str(result.settings.get("test", "z"))
    if test in T_TESTS:
        return f"Test for overall effect: t = {stat:.2f}, df = {result.k - 1} (p = {format_p(p)})"
    return f"Test for overall effect: z = {stat:.2f} (p = {format_p(p)})"


def _interval(lower: float | None, upper: float | None, digits: int, unit: str = "") -> str:
    if lower is None or upper is None:
        return ""
    return f" [{lower:.{digits}f}{unit}, {upper:.{digits}f}{unit}]"


def is_meta_regression(result: MetaResult) -> bool:
    """True for a model with moderators: no single pooled estimate, coefficients instead."""
    return bool(result.coefficients) and _finite(result.estimate) is None


def _regression_footer(result: MetaResult) -> list[str]:
    settings = result.settings
    mods = ", ".join(str(m) for m in settings.get("mods") or [])
    robust = result.robust or {}
    clusters = robust.get("n_clusters") or getattr(result, "n_clusters", None)
    rows = f"k = {result.k} rows" + (f" from {clusters} clusters" if clusters else "")
    qm, qm_p = _finite(result.QM), _finite(result.QM_p)
    test = f"; test of moderators p = {format_p(qm_p)}" if qm is not None else ""
    return [
        f"Meta-regression on {mods} ({rows}{test}): no single pooled estimate, so no diamond "
        "and no weights; its coefficients and predictions are in the report."
    ]


def _footer(result: MetaResult, subgroups: bool) -> list[str]:
    if result.k <= 1:
        return [
            f"k = {result.k}: a single study; nothing is pooled "
            "(no heterogeneity, no prediction interval)."
        ]
    if is_meta_regression(result):
        return _regression_footer(result)
    tau2, i2 = _finite(result.tau2), _finite(result.I2)
    parts = []
    if tau2 is not None:
        parts.append(
            f"τ² = {tau2:.3f}"
            + _interval(_finite(result.tau2_ci_lb), _finite(result.tau2_ci_ub), 3)
        )
    if i2 is not None:
        parts.append(
            f"I² = {i2:.0f}%"
            + _interval(_finite(result.I2_ci_lb), _finite(result.I2_ci_ub), 0, "%")
        )
    q, q_p = _finite(result.Q), _finite(result.Q_p)
    if q is not None:
        parts.append(f"Q = {q:.2f}, df = {result.Q_df} (p = {format_p(q_p)})")
    text = "Heterogeneity: " + "; ".join(parts) if parts else ""
    lines = [text, _overall_test(result)]
    if subgroups and result.subgroups:
        q_b = _finite(result.subgroups.get("Q_between"))
        df_b = result.subgroups.get("Q_between_df")
        if q_b is not None and df_b:
            p_b = _finite(result.subgroups.get("Q_between_p"))
            lines.append(
                f"Test for subgroup differences: Q = {q_b:.2f}, df = {df_b} (p = {format_p(p_b)})"
            )
        else:
            lines.append("Test for subgroup differences: not applicable (one subgroup)")
    settings = result.settings
    lines.append(
        f"Random effects, {settings.get('method', '')} τ², CI test {settings.get('test', '')}, "
        f"{settings.get('pi', '')} prediction interval; CI {result.level:g}%"
    )
    return [line for line in lines if line]


def _row_suffix(name: str) -> str:
    """The ``" [modality, 28 d]"`` ending of a row label (one study, several rows), or ``""``."""
    start = name.rfind(" [")
    return name[start:] if start > 0 and name.endswith("]") else ""


def forest_layout(
    result: MetaResult,
    data: pd.DataFrame | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    by: str | None = None,
    favours: Sequence[str] | None = None,
    title: str = "",
) -> ForestLayout:
    """Compute the rows, diamonds and footer of a forest plot.

    Parameters
    ----------
    result
        The fitted model (:func:`trialsynth.meta.result.load_result`).
    data
        The analysis input table (``study`` labels in the order of ``result.study``, arm columns
        in metafor names); without it the arm columns stay empty.
    labels
        ``study_id -> label`` (author-year) replacing the table's ``study`` labels.
    by
        The subgroup column (protocol ``by``); one block per subgroup of ``result.subgroups``.
    favours
        Labels left and right of the line of no effect (protocol ``favours``); default: the
        measure's.
    """
    measure = result.effect_measure()
    yi = np.asarray(result.yi, dtype=float)
    vi = np.asarray(result.vi, dtype=float)
    names = list(result.study) or [f"Study {i + 1}" for i in range(len(yi))]
    if not (len(yi) == len(vi) == len(names)):
        raise InputError(
            f"result has {len(yi)} effects, {len(vi)} variances and {len(names)} labels",
            hint="draw the forest plot from the result of the same analysis table",
        )
    records: dict[str, dict[str, Any]] = {}
    if data is not None and "study" in data.columns:
        for record in data.to_dict(orient="records"):
            records[str(record["study"])] = record
    crit = z_critical(result.level)
    tau2 = _finite(result.tau2) or 0.0
    weights = 1.0 / (vi + tau2) if len(vi) else vi
    share = 100 * weights / weights.sum() if len(vi) else weights
    if is_meta_regression(result):
        share = np.full(len(vi), np.nan)  # the model weighs rows by its own structure
    rows: list[tuple[str | None, StudyRow, dict[str, Any] | None]] = []
    for name, y, v, w in zip(names, yi, vi, share, strict=True):
        record = records.get(name)
        label = name
        if labels and record is not None and str(record.get("study_id", "")) in labels:
            label = labels[str(record["study_id"])] + _row_suffix(name)
        group = None if record is None or by is None else str(record.get(by, "") or "")
        se = math.sqrt(v)
        row = StudyRow(label, _arm_cells(measure, record), y, y - crit * se, y + crit * se, w)
        rows.append((group, row, record))
    subgroups = (result.subgroups or {}).get("subgroups") if by else None
    blocks: list[Block] = []
    if subgroups:
        for group in sorted(subgroups):
            fit = subgroups[group]
            members = [(row, rec) for g, row, rec in rows if g == group]
            pooled = None
            est, lo, hi = (_finite(fit.get(key)) for key in ("estimate", "ci_lb", "ci_ub"))
            if est is not None and lo is not None and hi is not None and len(members) > 1:
                pooled = PooledRow(
                    f"Subtotal (k = {len(members)})",
                    _total_cells(measure, [rec for _, rec in members if rec is not None]),
                    est,
                    lo,
                    hi,
                    sum(row.weight for row, _ in members),
                    _heterogeneity(_finite(fit.get("tau2")), _finite(fit.get("I2"))),
                )
            blocks.append(Block(str(group), tuple(row for row, _ in members), pooled))
    else:
        blocks.append(Block("", tuple(row for _, row, _ in rows), None))
    overall = None
    est, lo, hi = _finite(result.estimate), _finite(result.ci_lb), _finite(result.ci_ub)
    if result.k > 1 and est is not None and lo is not None and hi is not None:
        overall = PooledRow(
            f"Total (k = {result.k})",
            _total_cells(measure, [rec for _, _, rec in rows if rec is not None]),
            est,
            lo,
            hi,
            100.0,
        )
    prediction = None
    pi_lb, pi_ub = _finite(result.pi_lb), _finite(result.pi_ub)
    if overall is not None and pi_lb is not None and pi_ub is not None:
        prediction = (pi_lb, pi_ub)
    arm_headers, cell_headers = arm_columns(measure)
    dropped = result.corrections.get("dropped_studies") or []
    return ForestLayout(
        measure=measure,
        level=result.level,
        arm_headers=arm_headers,
        cell_headers=cell_headers,
        blocks=blocks,
        overall=overall,
        prediction=prediction,
        footer=_footer(result, bool(subgroups)),
        favours=tuple(favours) if favours else measure.favours,  # type: ignore[arg-type]
        k=result.k,
        title=title,
        by=by or "",
        not_estimable=[str(d.get("study", d)) if isinstance(d, dict) else str(d) for d in dropped],
    )


@dataclass(frozen=True)
class _Geometry:
    """Horizontal positions (inches) of the columns and the effect axis."""

    label_x: float
    label_room: float
    cell_right: tuple[float, ...]
    arm_centre: tuple[float, ...]
    weight_right: float
    axis_left: float
    axis_right: float
    effect_x: float
    width: float


def _label_texts(layout: ForestLayout) -> list[tuple[str, bool]]:
    """Every text of the label column with its weight (bold or not)."""
    texts = [(row.label, False) for row in layout.studies]
    texts += [(_block_title(layout, block), True) for block in layout.blocks if block.title]
    pooled = [layout.overall, *(block.pooled for block in layout.blocks)]
    texts += [(p.label, True) for p in pooled if p is not None]
    return texts


def _comparative(layout: ForestLayout) -> bool:
    """Whether the line of no effect means anything: two-arm measures always; a precomputed
    effect (GEN) only when its analysis names the sides it favours (a logit proportion of one
    arm, such as a decay model's rows, has no "no effect" value)."""
    if layout.measure.kind != PRECOMPUTED:
        return True
    return any(layout.favours)


def _block_title(layout: ForestLayout, block: Block) -> str:
    by = layout.by.replace("_", " ")
    return f"{by}: {block.title}" if by else block.title


def _geometry(layout: ForestLayout) -> _Geometry:
    n_cells = len(layout.cell_headers)
    label_x = 0.05
    # As wide as the widest label (a few thousand labels cost a look-up per character), within
    # LABEL_WIDTH; the first number column's text is right-aligned and ends well inside it.
    widest = max([text_width(t, FONT_SIZE, b) for t, b in _label_texts(layout)] + [1.0])
    label_width = min(max(label_x + widest + LABEL_GAP, LABEL_WIDTH[0]), LABEL_WIDTH[1])
    cell_width = 0.48
    cells_left = label_width
    cell_right = tuple(cells_left + cell_width * (i + 1) for i in range(n_cells))
    per_arm = n_cells // max(len(layout.arm_headers), 1) if layout.arm_headers else 0
    arm_centre = tuple(
        cells_left + cell_width * (per_arm * i + per_arm / 2)
        for i in range(len(layout.arm_headers))
    )
    weight_right = cells_left + cell_width * n_cells + 0.6
    axis_left = weight_right + 0.25
    axis_right = axis_left + 2.8
    effect_x = axis_right + 0.2
    return _Geometry(
        label_x,
        label_width - label_x - LABEL_GAP,
        cell_right,
        arm_centre,
        weight_right,
        axis_left,
        axis_right,
        effect_x,
        effect_x + 1.75,
    )


def draw_forest(layout: ForestLayout) -> Any:
    """Build the plotnine figure of ``layout`` (see the module docstring)."""
    import plotnine as p9

    geo = _geometry(layout)
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
    lo_axis, hi_axis = ticks[0], ticks[-1]

    def to_x(value: float) -> float:
        clipped = min(max(value, lo_axis), hi_axis)
        return geo.axis_left + (clipped - lo_axis) / (hi_axis - lo_axis) * (
            geo.axis_right - geo.axis_left
        )

    texts: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    squares: list[dict[str, Any]] = []
    diamonds: list[dict[str, Any]] = []

    def text(x: float, y: float, label: str, ha: str = "left", bold: bool = False) -> None:
        if label:
            texts.append(
                {
                    "x": x,
                    "y": y,
                    "label": label,
                    "ha": ha,
                    "fontweight": "bold" if bold else "normal",
                }
            )

    def label_text(y: float, value: str, bold: bool = False) -> None:
        # A row's " [modality, 28 d]" ending tells rows of one study apart: it stays whole and
        # the name before it is shortened.
        suffix = _row_suffix(value)
        room = geo.label_room - text_width(suffix, FONT_SIZE, bold)
        if suffix and text_width(value, FONT_SIZE, bold) > geo.label_room and room > 0.6:
            value = fit_text(value[: -len(suffix)], room, FONT_SIZE, bold) + suffix
        text(geo.label_x, y, fit_text(value, geo.label_room, FONT_SIZE, bold), bold=bold)

    y = 0.0
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
    axis_mid = (geo.axis_left + geo.axis_right) / 2
    text(axis_mid, y - 0.9, f"{measure.short} [{layout.level:g}% CI]", ha="center", bold=True)
    text(geo.effect_x, y - 0.9, f"{measure.short} [{layout.level:g}% CI]", bold=True)
    y -= 2.0
    top_of_rows = y + 0.5
    weights = [r.weight for r in layout.studies if math.isfinite(r.weight)]
    max_weight = max(weights) if weights else 0.0

    def diamond_row(pooled: PooledRow, y: float) -> None:
        label_text(y, pooled.label, bold=True)
        for right, cell in zip(geo.cell_right, pooled.cells, strict=False):
            text(right, y, cell, ha="right", bold=True)
        text(geo.weight_right, y, f"{pooled.weight:.1f}%", ha="right", bold=True)
        text(
            geo.effect_x,
            y,
            format_effect(measure, pooled.estimate, pooled.ci_lb, pooled.ci_ub),
            bold=True,
        )
        points = [(pooled.ci_lb, 0.0), (pooled.estimate, 0.38), (pooled.ci_ub, 0.0),
                  (pooled.estimate, -0.38)]  # fmt: skip
        group = f"d{len(diamonds)}"
        diamonds.extend({"x": to_x(px), "y": y + py, "group": group} for px, py in points)

    for block in layout.blocks:
        if block.title:
            label_text(y, _block_title(layout, block), bold=True)
            y -= 1.0
        for row in block.studies:
            label_text(y, row.label)
            for right, cell in zip(geo.cell_right, row.cells, strict=False):
                text(right, y, cell, ha="right")
            if math.isfinite(row.weight):
                text(geo.weight_right, y, f"{row.weight:.1f}%", ha="right")
            text(geo.effect_x, y, format_effect(measure, row.yi, row.ci_lb, row.ci_ub))
            segments.append(
                {"x": to_x(row.ci_lb), "xend": to_x(row.ci_ub), "y": y, "yend": y, "pi": False}
            )
            size = 1.2 + 4.0 * math.sqrt(row.weight / max_weight) if max_weight else 2.5
            squares.append({"x": to_x(row.yi), "y": y, "size": size})
            y -= 1.0
        if block.pooled is not None:
            diamond_row(block.pooled, y)
            y -= 0.9
            text(geo.label_x, y, block.pooled.note)
            y -= 1.2
        elif block.title:
            y -= 0.4
    for name in layout.not_estimable:
        label_text(y, f"{name} (not estimable: no events in either arm)")
        y -= 1.0
    if layout.overall is not None:
        diamond_row(layout.overall, y)
        y -= 1.0
    if layout.prediction is not None:
        text(geo.label_x, y, "Prediction interval")
        pi_lb, pi_ub = layout.prediction
        segments.append({"x": to_x(pi_lb), "xend": to_x(pi_ub), "y": y, "yend": y, "pi": True})
        back = measure.back_transform
        text(geo.effect_x, y, f"[{back(pi_lb):.2f}, {back(pi_ub):.2f}]")
        y -= 1.0

    axis_y = y
    tick_rows = []
    for tick, label in zip(ticks, tick_labels, strict=True):
        tick_rows.append({"x": to_x(tick), "xend": to_x(tick), "y": axis_y, "yend": axis_y - 0.3})
        text(to_x(tick), axis_y - 0.9, label, ha="center")
    y = axis_y - 1.8
    null_x = None
    if measure.null is not None and lo_axis <= measure.null <= hi_axis and _comparative(layout):
        null_x = to_x(measure.null)
        favour_left, favour_right = layout.favours
        if favour_left or favour_right:
            text(null_x - 0.08, y, favour_left, ha="right")
            text(null_x + 0.08, y, favour_right, ha="left")
            y -= 1.0
    text(axis_mid, y, measure.axis_label, ha="center")
    y -= 1.3
    for line in layout.footer:
        for part in wrap_text(line, geo.width - 2 * geo.label_x, FONT_SIZE):
            text(geo.label_x, y, part)
            y -= 1.0
    bottom = y - 0.2

    plot = p9.ggplot() + p9.theme_void()
    if null_x is not None:
        plot += p9.annotate(
            "segment",
            x=null_x,
            xend=null_x,
            y=top_of_rows,
            yend=axis_y,
            size=0.3,
            linetype="dashed",
            color="#555555",
        )
    plot += p9.annotate(
        "segment", x=geo.axis_left, xend=geo.axis_right, y=axis_y, yend=axis_y, size=0.4
    )
    plot += p9.geom_segment(
        pd.DataFrame(tick_rows), p9.aes(x="x", xend="xend", y="y", yend="yend"), size=0.4
    )
    if segments:
        frame = pd.DataFrame(segments)
        study_ci = frame[~frame["pi"].astype(bool)]
        pi = frame[frame["pi"].astype(bool)]
        if len(study_ci):
            plot += p9.geom_segment(
                study_ci, p9.aes(x="x", xend="xend", y="y", yend="yend"), size=0.45
            )
        if len(pi):
            plot += p9.geom_segment(
                pi, p9.aes(x="x", xend="xend", y="y", yend="yend"), size=2.2, color="#7a7a7a"
            )
    if squares:
        plot += p9.geom_point(
            pd.DataFrame(squares),
            p9.aes(x="x", y="y", size="size"),
            shape="s",
            fill="#1f4e79",
            color="#1f4e79",
        )
    if diamonds:
        plot += p9.geom_polygon(
            pd.DataFrame(diamonds), p9.aes(x="x", y="y", group="group"), fill="#111111"
        )
    frame = pd.DataFrame(texts)
    for (ha, weight), part in frame.groupby(["ha", "fontweight"], sort=True):
        plot += p9.geom_text(
            part,
            p9.aes(x="x", y="y", label="label"),
            ha=ha,
            va="center_baseline",
            size=FONT_SIZE,
            fontweight=weight,
        )
    height_rows = 0.0 - bottom + 1.0
    plot += p9.scale_size_identity()
    plot += p9.coord_cartesian(xlim=(0, geo.width), ylim=(bottom, 0.6), expand=False)
    plot += p9.theme(
        figure_size=(geo.width, max(ROW_HEIGHT * height_rows, 1.5)),
        plot_background=p9.element_rect(fill="white", color="white"),
    )
    return plot


def forest_from_files(
    result: MetaResult,
    data: pd.DataFrame | None,
    spec: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Any:
    """The figure of one protocol analysis (its ``title``, ``by`` and ``favours``).

    The "favours" labels are the protocol entry's: an entry without them (a single-arm
    analysis, whose estimate favours no side) draws none, never the measure's generic labels,
    which point the wrong way when a lower value is the benefit (relapse, hazard of relapse).
    Without a protocol entry (``spec`` has no ``id``) the measure's labels are drawn.
    """
    spec = spec or {}
    favours = spec.get("favours")
    if not favours and "id" in spec:
        log.info("analysis %s: the protocol gives no favours labels; none drawn", spec["id"])
        favours = ("", "")
    layout = forest_layout(
        result,
        data,
        labels=labels,
        by=spec.get("by"),
        favours=favours,
        title=str(spec.get("title", "")),
    )
    return draw_forest(layout)


def save_forest(plot: Any, path: str | Path) -> None:
    """Save a forest plot (PNG at 300 dpi, SVG with editable text; deterministic bytes)."""
    save_figure(plot, path)
