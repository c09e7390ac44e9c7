"""Arm-level outcome rows from the curated publication sheets (``analysis/extraction/*.csv``).

Each sheet is validated against ``trialsynth/schemas/extraction.schema.json``; a bad cell stops
the stage with an error naming the file, the row, the column and how to fix it. Rows that
validate but cannot be pooled (an effect estimate without arm numbers, a percentage without a
denominator, a percentage that contradicts its counts, a repeated arm, a trial-pooled row)
become outcome rows with ``usable = false`` and the reason.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.errors import InputError, SchemaError
from trialsynth.outcomes.derive import events_from_percent
from trialsynth.outcomes.rows import new_row
from trialsynth.outcomes.rules import OutcomeRules
from trialsynth.outcomes.sheet_checks import mark_duplicates, percent_contradiction
from trialsynth.outcomes.timeframes import parse_time_frame
from trialsynth.records.raw_files import decode_utf8
from trialsynth.tables import load_schema, read_table, validate_table

log = logging.getLogger(__name__)

_NOT_UTF8_FIX = "save the sheet as UTF-8 (in a spreadsheet: 'CSV UTF-8')"

#: Column holding each percentage as printed in the sheet (added when a sheet is read).
PERCENT_TEXT = "percent_as_printed"

_FIX = (
    "correct the cell so it matches trialsynth/schemas/extraction.schema.json "
    "(numbers without units or '%', NCT IDs as NCT########, PMIDs as digits; leave unknown "
    "cells empty)"
)


def read_extraction_sheet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate one curated sheet.

    Raises
    ------
    SchemaError
        Naming the file, the CSV row and the column, with how to fix the cell.
    InputError
        When the sheet names no source for its rows (neither ``source_url`` nor ``quote``).
    """
    path = Path(path)
    spec = load_schema("extraction")
    try:
        # Read every cell as text first so a bad number is reported with its row and column
        # by the validator (a typed read would fail on the first bad cell without either).
        content = decode_utf8(path.read_bytes(), path, hint=_NOT_UTF8_FIX)  # names the line
        text = pd.read_csv(
            io.StringIO(content), dtype="string", keep_default_na=False, na_values=[""]
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read CSV: {exc}", path=path, hint=_FIX) from exc
    try:
        validate_table(text, spec, path=path)
    except SchemaError as exc:
        prefix = ": ".join(part for part in (exc.path, exc.record) if part) + ": "
        message = str(exc)[len(prefix) :] if str(exc).startswith(prefix) else str(exc)
        if exc.hint:
            raise
        raise SchemaError(message, path=exc.path, record=exc.record, hint=_FIX) from exc
    sheet = read_table(path, "extraction")
    sheet.attrs["path"] = str(path)
    if "percent" in text.columns:
        # The printed digits of a percentage matter (rounding checks); the typed read turns
        # "36" into 36.0, so the text as written is kept beside it.
        sheet[PERCENT_TEXT] = text["percent"].astype(object).where(text["percent"].notna(), None)
    if "source_url" not in sheet.columns and "quote" not in sheet.columns:
        raise InputError(
            "the sheet has neither a 'source_url' nor a 'quote' column",
            path=path,
            hint="every number needs its source: add source_id + source_url, or pmid + quote",
        )
    for position, record in enumerate(sheet.to_dict("records")):
        if _blank(record.get("source_url")) and _blank(record.get("quote")):
            raise InputError(
                "the row names no source",
                path=path,
                record=f"row {position + 2}",
                hint="fill 'source_url' (with 'source_id') or 'quote' (with 'pmid')",
            )
    return sheet


def _blank(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and pd.isna(value))
        or (isinstance(value, str) and not value.strip())
    )


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value)


def extraction_rows(
    sheets: dict[str, pd.DataFrame], rules: OutcomeRules
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Outcome rows from validated sheets (``{file name: table}``).

    Returns
    -------
    rows
        One outcome row per sheet row whose outcome label matches a protocol outcome.
    counts
        ``rows`` read, ``matched`` to an outcome, ``unmatched`` (labels no outcome matches,
        logged), ``duplicates`` (repeated arms pooled once, see
        :func:`~trialsynth.outcomes.sheet_checks.mark_duplicates`), ``usable``.
    """
    rows: list[dict[str, Any]] = []
    counts = {"rows": 0, "matched": 0, "unmatched": 0, "usable": 0}
    for file_name, sheet in sorted(sheets.items()):
        for position, record in enumerate(sheet.to_dict("records")):
            counts["rows"] += 1
            label = str(record["outcome"])
            matched = [label] if label in rules.definitions else rules.classify(label)
            if len(matched) != 1:
                counts["unmatched"] += 1
                log.debug(
                    "%s row %d: outcome %r matches %s", file_name, position + 2, label, matched
                )
                continue
            counts["matched"] += 1
            row = _sheet_row(file_name, position, record, matched[0], rules)
            rows.append(row)
    paths = {name: str(sheet.attrs.get("path", name)) for name, sheet in sheets.items()}
    counts["duplicates"] = mark_duplicates(rows, paths)
    counts["usable"] = sum(1 for row in rows if row["usable"])
    return rows, counts


def _sheet_row(
    file_name: str, position: int, record: dict[str, Any], outcome: str, rules: OutcomeRules
) -> dict[str, Any]:
    nct = _text(record.get("nct_id"))
    pmid = _text(record.get("pmid"))
    time_text = _text(record.get("timepoint")) or _text(record.get("timepoint_text")) or ""
    stated = record.get("timepoint_days")
    days: float | None = None if _blank(stated) else float(str(stated))
    if days is None:
        days = parse_time_frame(time_text, rules.unit_days).point(rules.range_point)
    if record.get("source_url") is not None and not _blank(record.get("source_url")):
        source = f"{_text(record.get('source_id')) or 'publication'} <{record['source_url']}>"
    else:
        source = f'PubMed {pmid or "?"}: "{record.get("quote")}"'
    label = str(record["outcome"])
    trial = _text(record.get("trial"))
    study_id = nct if nct and ";" not in nct else (f"PMID:{pmid}" if pmid else None)
    row = new_row(
        record_id=f"{file_name}:row {position + 2}",
        study_id=study_id,
        nct_id=nct,
        pmid=pmid,
        study_label=f"{trial} ({nct})" if trial and nct else (trial or study_id),
        source_kind="publication",
        source=source,
        source_file=file_name,
        outcome=outcome,
        data_version="unspecified",
        measure_title=label,
        measure_key=f"{file_name}:{pmid or nct}:{label}:{time_text}",
        timepoint_text=time_text,
        timepoint_days=days,
        group=str(record["arm"]),
        arm_role=rules.arm_role(str(record["arm"])),
    )
    _fill_sheet_numbers(row, record, rules.definitions[outcome].kind)
    if row["usable"] and nct and ";" in nct:
        row["usable"] = False
        row["issue"] = "numbers pooled across several trials; not one study's arm"
    if row["usable"] and study_id is None:
        row["usable"] = False
        row["issue"] = "no NCT ID or PMID to identify the study"
    return row


def _fill_sheet_numbers(row: dict[str, Any], record: dict[str, Any], kind: str) -> None:
    n = None if _blank(record.get("arm_n")) else int(record["arm_n"])
    events = None if _blank(record.get("events")) else int(record["events"])
    percent = None if _blank(record.get("percent")) else float(record["percent"])
    mean = None if _blank(record.get("mean")) else float(record["mean"])
    sd = None if _blank(record.get("sd")) else float(record["sd"])
    row.update(arm_n=n, events=events, percent=percent, mean=mean, sd=sd)
    row["posted_value"] = next((str(v) for v in (events, percent, mean) if v is not None), None)
    if kind == "continuous":
        if mean is None or sd is None or n is None:
            row["issue"] = "needs arm_n, mean and sd (an effect estimate alone is not pooled)"
            return
        row["usable"] = True
        return
    if events is None and percent is None:
        row["issue"] = "no events or percentage (an effect estimate alone is not pooled)"
        return
    if n is None:
        row["issue"] = "no denominator (arm_n) for the events/percentage"
        return
    if events is None:
        posted = _printed_percent(record)
        derived = events_from_percent(posted, n)
        row["events"] = derived.events
        row["derivation"] = derived.note
        if not derived.ok:
            row["issue"] = "derived count does not reproduce the published percentage"
            return
    elif events > n:
        row["issue"] = f"events {events} exceed arm_n {n}"
        return
    elif percent is not None:
        contradiction = percent_contradiction(events, n, _printed_percent(record))
        if contradiction:
            row["issue"] = contradiction
            return
    row["usable"] = True


def _printed_percent(record: dict[str, Any]) -> str:
    printed = record.get(PERCENT_TEXT)
    return str(record["percent"] if _blank(printed) else printed).strip()


def load_extraction_dir(
    directory: str | os.PathLike[str],
) -> dict[str, pd.DataFrame]:
    """Read and validate every ``*.csv`` sheet of ``directory`` (``{file name: table}``)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("extraction folder not found", path=folder, hint="pass --extraction-dir")
    return {path.name: read_extraction_sheet(path) for path in sorted(folder.glob("*.csv"))}
