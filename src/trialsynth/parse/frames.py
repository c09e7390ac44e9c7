"""Typed DataFrames for the parsed tables and writing them in the contract's CSV form."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from trialsynth.tables import write_table


def rows_to_frame(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    integer_columns: Sequence[str] = (),
    boolean_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Build a table with string columns, nullable ``Int64`` and ``boolean`` where named."""
    df = pd.DataFrame.from_records(list(rows), columns=list(columns))
    dtypes = {
        col: "Int64"
        if col in integer_columns
        else "boolean"
        if col in boolean_columns
        else "string"
        for col in columns
    }
    return df.astype(dtypes)


def _quoting_characters() -> tuple[str, ...]:
    """The characters that make Python's ``csv`` writer quote a field, as ``DataFrame.to_csv``
    calls it (excel dialect, ``QUOTE_MINIMAL``, ``lineterminator="\\n"``): the delimiter, the
    quote character and the line terminator, and ``\\r`` where this Python's ``csv`` quotes it
    (3.11 does not)."""
    found = []
    for char in (",", '"', "\n", "\r"):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow([f"a{char}b", ""])
        if buffer.getvalue().startswith('"'):
            found.append(char)
    return tuple(found)


_QUOTING_CHARACTERS = _quoting_characters()


def csv_cells(values: Iterable[Any]) -> list[str]:
    """One column's cells as ``DataFrame.to_csv`` writes them (``na_rep=""``): a missing value
    (``None``) empty, a value holding a quoting character in double quotes with its quotes
    doubled, any other value as ``str`` gives it."""
    quoting = _QUOTING_CHARACTERS
    cells = []
    for value in values:
        if value is None:
            cells.append("")
            continue
        text = value if type(value) is str else str(value)
        for char in quoting:
            if char in text:
                text = '"' + text.replace('"', '""') + '"'
                break
        cells.append(text)
    return cells


#: Rows encoded and written at a time (memory holds one block's text, not the table's).
_ROWS_PER_BLOCK = 2000


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")``'s bytes
    for a table of ``string``, ``Int64`` (and ``object``) columns, without pandas' writer:
    each cell is checked for quoting characters with ``str`` searches instead of the ``csv``
    module's character-by-character scan (2 to 3 times faster on the parse stages' tables;
    tests/unit/parse/test_frames.py compares the bytes of the two)."""
    if len(df.columns) < 2:  # the csv module quotes a lone empty field
        df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        return
    columns = [
        csv_cells(series.to_numpy(dtype=object, na_value=None).tolist()) for _, series in df.items()
    ]
    rows = list(zip(*columns, strict=True))
    with open(path, "wb") as out:
        out.write((",".join(csv_cells(str(c) for c in df.columns)) + "\n").encode("utf-8"))
        for start in range(0, len(rows), _ROWS_PER_BLOCK):
            block = rows[start : start + _ROWS_PER_BLOCK]
            out.write("".join([",".join(row) + "\n" for row in block]).encode("utf-8"))


def write_contract_csv(
    df: pd.DataFrame,
    target: str | os.PathLike[str],
    schema: str,
    *,
    boolean_columns: Sequence[str] = (),
) -> None:
    """Validate against ``schema`` and write atomically (:func:`trialsynth.tables.write_table`,
    its file written by :func:`write_csv`); booleans as ``true``/``false``."""
    out = df.copy()
    for col in boolean_columns:
        out[col] = (
            out[col]
            .map(lambda v: None if pd.isna(v) else ("true" if v else "false"), na_action=None)
            .astype("string")
        )
    write_table(out, target, schema, writer=write_csv)
