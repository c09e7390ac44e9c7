"""Typed DataFrames for the parsed tables and writing them in the contract's CSV form."""

from __future__ import annotations

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


def write_contract_csv(
    df: pd.DataFrame,
    target: str | os.PathLike[str],
    schema: str,
    *,
    boolean_columns: Sequence[str] = (),
) -> None:
    """Validate against ``schema`` and write atomically; booleans as ``true``/``false``."""
    out = df.copy()
    for col in boolean_columns:
        out[col] = (
            out[col]
            .map(lambda v: None if pd.isna(v) else ("true" if v else "false"), na_action=None)
            .astype("string")
        )
    write_table(out, target, schema)
