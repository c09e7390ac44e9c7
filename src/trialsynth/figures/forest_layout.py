"""The rows, diamonds and footer of a forest plot computed from a fitted model.

Each study's Wald confidence interval is ``y_i +/- z sqrt(v_i)`` and its random-effects weight
in percent is ``1 / (v_i + tau^2)`` over the sum (Cochrane RevMan 5; metafor ``forest.rma``,
Viechtbauer 2010, J Stat Softw 36(3)); a subgroup analysis gives one block per subgroup with
its own diamond, and the prediction interval is kept only beside an overall diamond.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trialsynth.errors import InputError
from trialsynth.figures.forest_footer import footer_lines, heterogeneity, is_meta_regression
from trialsynth.figures.forest_rows import (
    Block,
    ForestLayout,
    PooledRow,
    StudyRow,
    arm_cells,
    arm_columns,
    finite,
    row_suffix,
    total_cells,
)
from trialsynth.meta.measures import Measure
from trialsynth.meta.result import MetaResult, z_critical

#: One study row with its subgroup (``None`` without ``by``) and its record of the data table.
_Row = tuple[str | None, StudyRow, dict[str, Any] | None]


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
    rows = _study_rows(result, _records_by_study(data), labels, by)
    subgroups = (result.subgroups or {}).get("subgroups") if by else None
    if subgroups:
        blocks = _subgroup_blocks(measure, rows, subgroups)
    else:
        blocks = [Block("", tuple(row for _, row, _ in rows), None)]
    overall = _overall_row(result, measure, rows)
    arm_headers, cell_headers = arm_columns(measure)
    dropped = result.corrections.get("dropped_studies") or []
    return ForestLayout(
        measure=measure,
        level=result.level,
        arm_headers=arm_headers,
        cell_headers=cell_headers,
        blocks=blocks,
        overall=overall,
        prediction=_prediction(result, overall),
        footer=footer_lines(result, bool(subgroups)),
        favours=tuple(favours) if favours else measure.favours,  # type: ignore[arg-type]
        k=result.k,
        title=title,
        by=by or "",
        not_estimable=[str(d.get("study", d)) if isinstance(d, dict) else str(d) for d in dropped],
    )


def _records_by_study(data: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    """The data table's rows by their ``study`` label (none without the table or the column)."""
    records: dict[str, dict[str, Any]] = {}
    if data is not None and "study" in data.columns:
        for record in data.to_dict(orient="records"):
            records[str(record["study"])] = record
    return records


def _study_rows(
    result: MetaResult,
    records: Mapping[str, dict[str, Any]],
    labels: Mapping[str, str] | None,
    by: str | None,
) -> list[_Row]:
    """One row per study of ``result``: label, arm cells, Wald CI and weight (%).

    Raises
    ------
    InputError
        The result's effects, variances and labels differ in number.
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
    crit = z_critical(result.level)
    tau2 = finite(result.tau2) or 0.0
    weights = 1.0 / (vi + tau2) if len(vi) else vi
    share = 100 * weights / weights.sum() if len(vi) else weights
    if is_meta_regression(result):
        share = np.full(len(vi), np.nan)  # the model weighs rows by its own structure
    rows: list[_Row] = []
    for name, y, v, w in zip(names, yi, vi, share, strict=True):
        record = records.get(name)
        label = name
        if labels and record is not None and str(record.get("study_id", "")) in labels:
            label = labels[str(record["study_id"])] + row_suffix(name)
        group = None if record is None or by is None else str(record.get(by, "") or "")
        se = math.sqrt(v)
        row = StudyRow(label, arm_cells(measure, record), y, y - crit * se, y + crit * se, w)
        rows.append((group, row, record))
    return rows


def _subgroup_blocks(
    measure: Measure, rows: Sequence[_Row], subgroups: Mapping[str, Any]
) -> list[Block]:
    """One block per subgroup (sorted), with a subtotal diamond when it pools two studies or
    more."""
    blocks: list[Block] = []
    for group in sorted(subgroups):
        fit = subgroups[group]
        members = [(row, rec) for g, row, rec in rows if g == group]
        pooled = None
        est, lo, hi = (finite(fit.get(key)) for key in ("estimate", "ci_lb", "ci_ub"))
        if est is not None and lo is not None and hi is not None and len(members) > 1:
            pooled = PooledRow(
                f"Subtotal (k = {len(members)})",
                total_cells(measure, [rec for _, rec in members if rec is not None]),
                est,
                lo,
                hi,
                sum(row.weight for row, _ in members),
                heterogeneity(finite(fit.get("tau2")), finite(fit.get("I2"))),
            )
        blocks.append(Block(str(group), tuple(row for row, _ in members), pooled))
    return blocks


def _overall_row(result: MetaResult, measure: Measure, rows: Sequence[_Row]) -> PooledRow | None:
    """The overall diamond, or ``None`` for a single study or a model without one estimate."""
    est, lo, hi = finite(result.estimate), finite(result.ci_lb), finite(result.ci_ub)
    if result.k > 1 and est is not None and lo is not None and hi is not None:
        return PooledRow(
            f"Total (k = {result.k})",
            total_cells(measure, [rec for _, _, rec in rows if rec is not None]),
            est,
            lo,
            hi,
            100.0,
        )
    return None


def _prediction(result: MetaResult, overall: PooledRow | None) -> tuple[float, float] | None:
    """The prediction interval, drawn only beside an overall diamond."""
    pi_lb, pi_ub = finite(result.pi_lb), finite(result.pi_ub)
    if overall is not None and pi_lb is not None and pi_ub is not None:
        return (pi_lb, pi_ub)
    return None
