"""Reading, validating and atomically writing the tables passed between stages.

Every table in ``data/processed`` has a JSON Schema ``<name>.schema.json`` shipped in the package
(``trialsynth/schemas/``, read with :mod:`importlib.resources`)
describing one row (``type: object``, ``properties``, ``required``, ``additionalProperties``).
Validation is column-wise (types, ``enum``, ``pattern``, ``minimum``) so that it stays fast on
tens of thousands of rows, and errors name the file, the row and the column.

Writes are atomic (:func:`trialsynth.documents.atomic_path`): a table is written to a temporary
file beside the target and renamed into place, and a write whose bytes equal the file already
there leaves that file untouched. The JSON and text helpers that need no pandas live in
:mod:`trialsynth.documents` and are re-exported here.
"""

from __future__ import annotations

import numbers
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.documents import (
    SCHEMA_DIR_ENV,
    SCHEMA_FOLDER,
    SCHEMA_PACKAGE,
    atomic_path,
    load_schema,
    read_json_document,
    read_json_file,
    schema_source,
    validate_json,
    write_json_atomic,
    write_text_atomic,
)
from trialsynth.errors import InputError, SchemaError

#: This module's names and those of :mod:`trialsynth.documents` (no pandas) it re-exports.
__all__ = [
    "SCHEMA_DIR_ENV",
    "SCHEMA_FOLDER",
    "SCHEMA_PACKAGE",
    "atomic_path",
    "check_has_columns",
    "frame_records",
    "load_schema",
    "read_json_document",
    "read_json_file",
    "read_table",
    "schema_source",
    "validate_json",
    "validate_table",
    "write_json_atomic",
    "write_table",
    "write_text_atomic",
]


def _to_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_table(
    df: pd.DataFrame,
    target: str | os.PathLike[str],
    schema: str | None = None,
    *,
    writer: Callable[[pd.DataFrame, Path], None] = _to_csv,
) -> None:
    """Validate ``df`` against ``schema`` (if given) and write it as CSV atomically.

    Output is deterministic: columns in schema order when a schema is given, ``\\n`` line
    endings, no index, floats written with ``repr`` precision. ``writer`` writes the CSV file
    (default ``DataFrame.to_csv``; a stage may pass one that writes the same bytes faster,
    e.g. :func:`trialsynth.parse.frames.write_csv`).
    """
    if schema is not None:
        spec = load_schema(schema)
        validate_table(df, spec, path=target)
        order = [c for c in spec.get("properties", {}) if c in df.columns]
        df = df[order]
    with atomic_path(target) as tmp:
        writer(df, tmp)


def read_table(
    path: str | os.PathLike[str],
    schema: str | None = None,
    *,
    partial: bool = False,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV written by :func:`write_table` (all columns as strings unless the schema
    says integer/number/boolean) and validate it.

    ``partial=True`` is for a reader that uses only some columns of another stage's table: every
    column present is checked against the schema (type, enum, pattern, unknown columns), but
    the schema's required columns are not demanded; the reader checks the ones it needs.
    ``columns`` reads only those columns (a registry-scale table's long texts are not parsed
    when a stage does not use them), checked as with ``partial``; one the file lacks is left
    out, unless the schema requires it (then an :class:`InputError` names it).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint="run the stage that produces it first")
    spec = load_schema(schema) if schema else None
    try:
        usecols = None
        if columns is not None:
            header = list(pd.read_csv(path, nrows=0).columns)
            required = set(spec.get("required", [])) if spec else set()
            missing = [c for c in columns if c not in header and c in required]
            usecols = [c for c in header if c in set(columns)]
            if missing:
                raise InputError(
                    f"missing column(s) {missing}",
                    path=path,
                    record="line 1",
                    hint="re-run the stage that writes this table",
                )
        # Read every cell as text first, so that validation can name the row and column of a
        # bad value before anything is converted. With every column's dtype given, reading the
        # file in one pass (low_memory=False) gives the same frame as in chunks, ~10 % faster.
        df = pd.read_csv(
            path,
            dtype="string",
            keep_default_na=False,
            na_values=[""],
            usecols=usecols,
            low_memory=False,
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {exc}", path=path) from exc
    if spec:
        validate_table(df, spec, path=path, require_columns=not partial and columns is None)
        df = _convert_columns(df, spec)
    return df


def frame_records(frame: pd.DataFrame, missing: Any = None) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` (same keys, values and types: a missing value of a nullable
    column is ``None``, a float column keeps ``nan``), built column by column, several times
    faster on the string-typed tables :func:`read_table` returns. ``missing`` replaces the
    missing values of nullable columns (``""``: the empty cells of a table read as text)."""
    if len(frame.columns) == 0:
        return [{} for _ in range(len(frame))]
    columns = list(frame.columns)
    values = [
        (
            series.to_numpy(dtype=object, na_value=missing)
            if isinstance(series.dtype, pd.api.extensions.ExtensionDtype)
            else series.to_numpy(dtype=object)
        ).tolist()
        for _, series in frame.items()
    ]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _convert_columns(df: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """Give validated text columns the dtype their schema names."""
    for col, prop in spec.get("properties", {}).items():
        if col not in df.columns:
            continue
        kinds = _types(prop)
        if kinds & {"string"}:
            continue
        if "integer" in kinds and "number" not in kinds:
            df[col] = pd.to_numeric(df[col]).astype("Int64")
        elif "number" in kinds or "integer" in kinds:
            df[col] = pd.to_numeric(df[col]).astype("float64")
        elif "boolean" in kinds:
            df[col] = df[col].str.lower().map({"true": True, "false": False}).astype("boolean")
    return df


def check_has_columns(
    table: pd.DataFrame,
    columns: Iterable[str],
    problem: str,
    hint: str,
    path: object | None = None,
    error: type[InputError] = InputError,
) -> None:
    """Refuse a table that lacks any of ``columns`` (the one column-presence check of the
    package: schemas, meta-analysis inputs, figure inputs).

    Raises
    ------
    InputError
        Or its subclass ``error``: ``"<problem> <missing columns>"`` with the file and the fix.
    """
    missing = [str(c) for c in columns if c not in table.columns]
    if missing:
        raise error(f"{problem} {', '.join(missing)}", path=path, hint=hint)


def _types(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def validate_table(
    df: pd.DataFrame,
    spec: dict[str, Any],
    path: str | os.PathLike[str] | None = None,
    *,
    require_columns: bool = True,
) -> None:
    """Check a table against a row schema; raise :class:`SchemaError` naming row and column.

    Supports per-column ``type`` (string, integer, number, boolean, null), ``enum``,
    ``pattern``, ``minimum`` and ``maximum``; table-level ``required`` and
    ``additionalProperties: false``.
    """
    props: dict[str, Any] = spec.get("properties", {})
    check_has_columns(
        df,
        spec.get("required", []) if require_columns else [],
        "missing required column(s)",
        f"the table must have the columns {list(props)}",
        path,
        SchemaError,
    )
    if spec.get("additionalProperties") is False:
        extra = [c for c in df.columns if c not in props]
        if extra:
            raise SchemaError(
                f"unexpected column(s) {extra}", path=path, hint=f"allowed: {list(props)}"
            )
    for col, prop in props.items():
        if col not in df.columns:
            continue
        _validate_column(df[col], col, prop, path)


def _validate_column(series: pd.Series, col: str, prop: dict[str, Any], path: Any) -> None:
    kinds = _types(prop)
    nulls = series.isna()
    if nulls.any() and "null" not in kinds:
        row = int(nulls.to_numpy().nonzero()[0][0])
        raise SchemaError(f"column {col!r} is empty", path=path, record=f"row {row + 2}")
    values = series[~nulls]
    if values.empty:
        return
    if kinds & {"integer", "number"} and not kinds & {"string"}:
        numeric = pd.to_numeric(values, errors="coerce")
        bad = numeric.isna()
        if "integer" in kinds and "number" not in kinds:
            bad |= numeric.notna() & (numeric % 1 != 0)
        _raise_first(
            bad, values, col, "is not a number" if "number" in kinds else "is not an integer", path
        )
        if "minimum" in prop:
            _raise_first(
                numeric < prop["minimum"], values, col, f"is below {prop['minimum']}", path
            )
        if "maximum" in prop:
            _raise_first(
                numeric > prop["maximum"], values, col, f"is above {prop['maximum']}", path
            )
    if "boolean" in kinds and not kinds & {"string"}:
        ok = values.astype("string").str.lower().isin(["true", "false"])
        _raise_first(~ok, values, col, "is not true/false", path)
    if "enum" in prop:
        allowed = {str(v) for v in prop["enum"]}
        _raise_first(
            ~values.astype("string").isin(allowed),
            values,
            col,
            f"is not one of {sorted(allowed)}",
            path,
        )
    if "pattern" in prop:
        # a plain loop over the column's strings: Series.map called a lambda through pandas
        # per cell, most of the check's time on a table of 10,000 rows
        search = re.compile(prop["pattern"]).search
        for position, text in enumerate(values.astype("string").tolist()):
            if not search(text):
                bad = pd.Series(False, index=values.index)
                bad.iloc[position] = True
                _raise_first(bad, values, col, f"does not match {prop['pattern']!r}", path)


def _raise_first(bad: pd.Series, values: pd.Series, col: str, what: str, path: Any) -> None:
    if not bool(bad.any()):
        return
    idx = bad[bad].index[0]
    # CSV line number: the header is line 1 and a default RangeIndex starts at 0.
    record = f"row {idx + 2}" if isinstance(idx, numbers.Integral) else f"row {idx}"
    raise SchemaError(f"column {col!r} value {values.loc[idx]!r} {what}", path=path, record=record)
