"""Checks of a meta-analysis input table: every problem names the row, the column and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialsynth.errors import InputError
from trialsynth.meta.effect_sizes import (
    ZERO_CELL_RULES,
    EffectSizes,
    ZeroCellSettings,
    compute_effect_sizes,
)
from trialsynth.meta.inference import PI_TYPES, TESTS
from trialsynth.meta.measures import (
    BINARY,
    CONTINUOUS,
    COUNT_COLUMNS,
    PRECOMPUTED,
    SINGLE_ARM,
    get_measure,
)
from trialsynth.meta.tau2 import METHODS
from trialsynth.tables import check_has_columns


def _row_label(data: pd.DataFrame, position: int | np.integer) -> str:
    """``row N`` (1-based data row, header excluded) plus the study label when there is one."""
    label = f"row {position + 1}"
    if "study" in data.columns:
        label += f" (study {data['study'].iloc[position]})"
    return label


def study_labels(data: pd.DataFrame) -> list[str]:
    """The ``study`` column as strings, or ``1..k`` when absent."""
    if "study" in data.columns:
        return [str(s) for s in data["study"].tolist()]
    return [str(i + 1) for i in range(len(data))]


def validate_input(data: pd.DataFrame, measure: str, path: object | None = None) -> pd.DataFrame:
    """Return the measure's columns as floats, or raise :class:`InputError` on bad input.

    Checks: known measure, required columns present, at least one row, numeric and finite cells,
    non-negative counts with events not above totals, positive sample sizes, non-negative SDs and
    positive sampling variances for ``GEN``.
    """
    needed = get_measure(measure, path).columns
    check_has_columns(
        data,
        needed,
        f"measure {measure} is missing column(s)",
        f"measure {measure} needs columns {', '.join(needed)} (metafor names)",
        path,
    )
    if len(data) == 0:
        raise InputError("no studies in the table", path=path, hint="add at least one row")
    out = pd.DataFrame(index=data.index)
    for col in needed:
        values = pd.to_numeric(data[col], errors="coerce")
        for pos in np.flatnonzero(values.isna().to_numpy() & data[col].notna().to_numpy()):
            raise InputError(
                f"column {col}: {data[col].iloc[pos]!r} is not a number",
                path=path,
                record=_row_label(data, pos),
                hint="write plain numbers (dot as decimal separator)",
            )
        arr = values.to_numpy(float)
        for pos in np.flatnonzero(~np.isfinite(arr)):
            raise InputError(
                f"column {col} is empty, NaN or infinite",
                path=path,
                record=_row_label(data, pos),
                hint="fill in the value or remove the study (and say so in the protocol)",
            )
        out[col] = arr
    _check_ranges(out, data, measure, path)
    return out.reset_index(drop=True)


#: Largest count that a float holds exactly (2^53); a larger "count" is a typing or unit error.
MAX_EXACT_COUNT = float(2**53)
#: Sums of weights, weighted effects and weighted squares must stay below this (float max is
#: 1.8e308; the margin leaves room for the estimators' own arithmetic).
MAX_SUM = 1e300


def check_effect_sizes(
    yi: np.ndarray, vi: np.ndarray, records: list[str], path: object | None = None
) -> None:
    """Refuse effect sizes that cannot be pooled: not finite, ``vi <= 0``, or numbers whose
    inverse-variance weights overflow double precision (a pooled value would be silently wrong).

    Raises
    ------
    InputError
        Names the record (``records[i]``) and the fix.
    """
    zero_hint = "a zero cell needs a correction (--to only0) or the study must be removed"
    big_hint = (
        "check the row's numbers: a count, mean or variance this large or small is a typing or "
        "unit error"
    )
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(yi) | ~np.isfinite(vi) | (vi <= 0)
        for i in np.flatnonzero(bad):
            raise InputError(
                f"effect size not computable (yi = {yi[i]}, vi = {vi[i]})",
                path=path,
                record=records[i],
                hint=zero_hint if np.isfinite(vi[i]) and vi[i] == 0 else big_hint,
            )
        w = 1.0 / vi
        terms = np.vstack([w, w * np.abs(yi), w * yi**2])
        big = ~np.isfinite(terms) | (terms >= MAX_SUM)
        if big.any() or not (np.abs(terms.sum(axis=1)) < MAX_SUM).all():
            row = int(np.flatnonzero(big.any(axis=0))[0]) if big.any() else int(terms[2].argmax())
            raise InputError(
                f"inverse-variance weighting overflows double precision (yi = {yi[row]:.6g}, "
                f"vi = {vi[row]:.6g}, weight 1/vi = {w[row]:.6g})",
                path=path,
                record=records[row],
                hint=big_hint,
            )


def _fail(data: pd.DataFrame, pos: int | np.integer, msg: str, path: object, hint: str) -> None:
    raise InputError(msg, path=path, record=_row_label(data, pos), hint=hint)


def _check_ranges(out: pd.DataFrame, data: pd.DataFrame, measure: str, path: object) -> None:
    for col in out.columns:
        if col in COUNT_COLUMNS:
            for pos in np.flatnonzero(out[col].to_numpy() < 0):
                _fail(data, pos, f"column {col} is negative", path, "counts must be >= 0")
            for pos in np.flatnonzero(out[col].to_numpy() > MAX_EXACT_COUNT):
                _fail(
                    data,
                    pos,
                    f"column {col}: {out[col].iloc[pos]:.6g} is beyond the largest exact count "
                    "(2^53)",
                    path,
                    "a count is a number of participants or events; check the cell for a typing "
                    "or unit error",
                )
    kind = get_measure(measure).kind
    if kind == BINARY:
        for arm, (ev, non) in {"1": ("ai", "bi"), "2": ("ci", "di")}.items():
            for pos in np.flatnonzero((out[ev] + out[non]).to_numpy() <= 0):
                _fail(
                    data,
                    pos,
                    f"group {arm} has no participants ({ev} + {non} = 0)",
                    path,
                    f"{ev} is events, {non} is non-events; their sum is the group size",
                )
    if kind == SINGLE_ARM:
        for pos in np.flatnonzero(out["xi"].to_numpy() > out["ni"].to_numpy()):
            _fail(data, pos, "column xi: events exceed ni", path, "xi must be <= ni")
        for pos in np.flatnonzero(out["ni"].to_numpy() <= 0):
            _fail(data, pos, "column ni must be > 0", path, "ni is the number of participants")
    if kind == CONTINUOUS:
        for col in ("sd1i", "sd2i"):
            for pos in np.flatnonzero(out[col].to_numpy() < 0):
                _fail(data, pos, f"column {col} is negative", path, "standard deviations are >= 0")
        for col in ("n1i", "n2i"):
            for pos in np.flatnonzero(out[col].to_numpy() < 2):
                _fail(data, pos, f"column {col} must be >= 2", path, "group sizes of at least 2")
        pooled = (out["sd1i"] > 0) | (out["sd2i"] > 0)
        for pos in np.flatnonzero(~pooled.to_numpy()):
            _fail(data, pos, "both SDs are 0", path, "at least one SD must be positive")
    if kind == PRECOMPUTED:
        for pos in np.flatnonzero(out["vi"].to_numpy() <= 0):
            _fail(data, pos, "column vi must be > 0", path, "vi is a sampling variance (se^2)")


def filled_column(
    data: pd.DataFrame,
    column: str,
    role: str,
    path: object | None,
    missing_hint: str,
    empty_hint: str,
) -> pd.Series:
    """The cells of ``column`` (a subgroup, cluster or moderator column named by ``role``).

    Raises
    ------
    InputError
        The column is absent, or a cell is empty or blank (names the first such row).
    """
    if column not in data.columns:
        raise InputError(f"{role} column {column!r} not found", path=path, hint=missing_hint)
    values = data[column]
    empty = values.isna() | (values.astype(str).str.strip() == "")
    if empty.any():
        raise InputError(
            f"{role} column {column} is empty",
            path=path,
            record=f"row {int(np.flatnonzero(empty.to_numpy())[0]) + 1}",
            hint=empty_hint,
        )
    return values


def table_measure_label(data: pd.DataFrame, path: object | None = None) -> str | None:
    """The ``measure_label`` column of a ``GEN`` table (e.g. ``log HR``), or ``None``.

    Raises
    ------
    InputError
        The column holds different labels (yi on different scales cannot be pooled).
    """
    if "measure_label" not in data.columns:
        return None
    cells = data["measure_label"]
    values = [str(v).strip() for v in cells if not pd.isna(v) and str(v).strip()]
    if not values:
        return None
    first = values[0]
    for pos in range(len(data)):
        cell = cells.iloc[pos]
        text = "" if pd.isna(cell) else str(cell).strip()
        if text != first:
            raise InputError(
                f"column measure_label is {text!r}, but an earlier row has {first!r}",
                path=path,
                record=_row_label(data, pos),
                hint="every row of a GEN table must hold yi on the same scale (one label)",
            )
    return first


def check_model_settings(
    method: str,
    test: str,
    level: float,
    zero_cells: ZeroCellSettings,
    pi: str | None = None,
) -> None:
    """Refuse an unknown tau^2 estimator, test, prediction interval type or zero-cell rule, a
    confidence level outside (0, 100) and a negative zero-cell addition.

    The shared settings check of every fit (``pi`` is checked when the model has one).

    Raises
    ------
    InputError
        Names the setting and the values allowed.
    """
    choices = [("method", method, METHODS), ("test", test, TESTS)]
    if pi is not None:
        choices.append(("pi", pi, PI_TYPES))
    choices.append(("to", zero_cells.to, ZERO_CELL_RULES))
    for name, value, allowed in choices:
        if value not in allowed:
            raise InputError(f"unknown {name} {value!r}", hint=f"use one of {', '.join(allowed)}")
    if not 0 < level < 100:
        raise InputError(f"level {level} is not in (0, 100)", hint="give a percentage such as 95")
    if zero_cells.add < 0:
        raise InputError(f"add {zero_cells.add} is negative", hint="use a value >= 0, such as 0.5")


def checked_table_and_effect_sizes(
    data: pd.DataFrame, measure: str, zero_cells: ZeroCellSettings, path: object | None = None
) -> tuple[pd.DataFrame, EffectSizes]:
    """Validate ``data``, compute its effect sizes and refuse those that cannot be pooled.

    The shared first step of every fit (:func:`validate_input`,
    :func:`~trialsynth.meta.effect_sizes.compute_effect_sizes`, :func:`check_effect_sizes`).
    Returns the validated numeric table (all input rows, as :func:`validate_input`) with the
    effect sizes, for a fit that pools the counts too (Mantel-Haenszel).
    """
    clean = validate_input(data, measure, path)
    es = compute_effect_sizes(clean, measure, study_labels(data), zero_cells)
    check_effect_sizes(es.yi, es.vi, es.records(), path)
    return clean, es


def checked_effect_sizes(
    data: pd.DataFrame, measure: str, zero_cells: ZeroCellSettings, path: object | None = None
) -> EffectSizes:
    """The effect sizes of :func:`checked_table_and_effect_sizes` (models that need no counts)."""
    return checked_table_and_effect_sizes(data, measure, zero_cells, path)[1]
