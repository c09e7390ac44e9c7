"""Reviewer decisions (``analysis/screening_overrides.csv``) that win over the rules.

Columns: ``study_id`` (a ``study_id`` of ``studies.csv``), ``decision`` (``include`` or
``exclude``), ``reason`` (a reason code, required when excluding) and ``note`` (who decided and
on what evidence). Every problem is an :class:`~trialsynth.errors.InputError` naming the file,
the CSV row and the fix; a file with only the header is valid (no decisions yet).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.errors import InputError
from trialsynth.tables import load_schema

DECISIONS = ("include", "exclude")
_REASON = re.compile(r"^[a-z][a-z0-9_]*$")


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def read_overrides(path: str | Path, study_ids: set[str]) -> pd.DataFrame:
    """Read and check the reviewer decisions.

    Parameters
    ----------
    path
        The overrides CSV. A missing file is an error (create it with the header only).
    study_ids
        The ``study_id`` values of ``studies.csv``; an override naming another ID is an error.

    Returns
    -------
    pandas.DataFrame
        ``study_id, decision, reason, note`` as strings (empty cells as ``""``).
    """
    path = Path(path)
    spec = load_schema("screening_overrides")
    columns = list(spec["properties"])
    if not path.exists():
        raise InputError(
            "file not found",
            path=path,
            hint=f"create it with the header line {','.join(columns)}",
        )
    try:
        df = pd.read_csv(path, dtype="string", keep_default_na=False)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {exc}", path=path) from exc
    missing = [c for c in spec["required"] if c not in df.columns]
    extra = [c for c in df.columns if c not in columns]
    if missing or extra:
        raise InputError(
            f"columns must be {columns} (missing {missing}, unexpected {extra})",
            path=path,
            record="line 1",
            hint=f"use the header line {','.join(columns)}",
        )
    df = df.map(_cell)
    seen: dict[str, int] = {}
    for index, row in enumerate(df.itertuples(index=False), start=2):
        problem = _row_problem(row, study_ids, seen)
        if problem is not None:
            message, hint = problem
            raise InputError(message, path=path, record=f"row {index}", hint=hint)
        seen[row.study_id] = index
    return df


def _row_problem(row: Any, study_ids: set[str], seen: dict[str, int]) -> tuple[str, str] | None:
    """What is wrong with one decision, as ``(message, hint)``; ``None`` when nothing is.
    ``seen`` maps the studies decided on earlier rows to their row."""
    if row.study_id not in study_ids:
        return (
            f"unknown study_id {row.study_id!r}",
            "use a study_id of studies.csv (an NCT ID, or PMID:<pmid> for a publication without "
            "a registry entry), or delete the row",
        )
    if row.decision not in DECISIONS:
        return (
            f"decision {row.decision!r} is not one of {list(DECISIONS)}",
            "write include or exclude (delete the row to leave it to the rules)",
        )
    if row.decision == "exclude" and not row.reason:
        return "an exclusion needs a reason code", "fill reason, e.g. condition_out_of_scope"
    if row.reason and not _REASON.match(row.reason):
        return (
            f"reason {row.reason!r} is not a reason code",
            "use lower case letters, digits and underscores, e.g. not_interventional",
        )
    if row.study_id in seen:
        return (
            f"study_id {row.study_id} is decided twice (also on row {seen[row.study_id]})",
            "keep one decision per study",
        )
    return None
