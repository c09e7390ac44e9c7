"""Arm-level outcome rows from the curated publication sheets (``analysis/extraction/*.csv``).

Each sheet is validated against ``trialsynth/schemas/extraction.schema.json``; its rows name
their source by pointer (URL or PMID and a locator), never by a copied sentence; a bad cell stops
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
from trialsynth.outcomes.effects import effect_measure_code
from trialsynth.outcomes.horizons import horizon_after_course
from trialsynth.outcomes.rows import new_row
from trialsynth.outcomes.rules import OutcomeRules
from trialsynth.outcomes.sheet_checks import mark_duplicates, percent_contradiction
from trialsynth.outcomes.timeframes import parse_time_frame
from trialsynth.parse.raw_files import decode_utf8
from trialsynth.tables import load_schema, read_table, validate_table

log = logging.getLogger(__name__)

_NOT_UTF8_FIX = "save the sheet as UTF-8 (in a spreadsheet: 'CSV UTF-8')"

#: Column holding each percentage as printed in the sheet (added when a sheet is read).
PERCENT_TEXT = "percent_as_printed"
#: Column holding each effect estimate as printed in the sheet.
EFFECT_TEXT = "effect_as_printed"

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
    for column, kept in (("percent", PERCENT_TEXT), ("effect", EFFECT_TEXT)):
        if column in text.columns:
            # The printed digits matter (rounding checks); the typed read turns "36" into
            # 36.0 and "0.30" into 0.3, so the text as written is kept beside it.
            sheet[kept] = text[column].astype(object).where(text[column].notna(), None)
    if not {"source_url", "url", "locator"} & set(sheet.columns):
        raise InputError(
            "the sheet has no 'source_url', 'url' or 'locator' column",
            path=path,
            hint="every number needs its source by pointer: add source_url (or url), or "
            "pmid + locator (where in the source: abstract section and sentence, table N)",
        )
    for position, record in enumerate(sheet.to_dict("records")):
        try:
            effect_measure_code(_text(record.get("effect_measure")))
        except ValueError as exc:
            raise InputError(
                str(exc), path=path, record=f"row {position + 2}", hint="correct 'effect_measure'"
            ) from exc
        has_url = not (_blank(record.get("source_url")) and _blank(record.get("url")))
        has_pointer = not (_blank(record.get("pmid")) or _blank(record.get("locator")))
        if not (has_url or has_pointer):
            raise InputError(
                "the row names no source",
                path=path,
                record=f"row {position + 2}",
                hint="fill 'source_url' (or 'url'), or 'pmid' with a 'locator'",
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
            arm_numbers = any(not _blank(record.get(c)) for c in ("events", "percent", "mean"))
            by_measure = (
                None
                if arm_numbers
                else rules.for_effect_measure(
                    effect_measure_code(_text(record.get("effect_measure")))
                )
            )
            matched = (
                [by_measure]
                if by_measure
                else ([label] if label in rules.definitions else rules.classify(label))
            )
            if len(matched) != 1:
                counts["unmatched"] += 1
                log.debug(
                    "%s row %d: outcome %r matches %s", file_name, position + 2, label, matched
                )
                continue
            counts["matched"] += 1
            row = _sheet_row(file_name, position, record, matched[0], rules)
            rows.append(row)
    _one_study_id(rows)
    paths = {name: str(sheet.attrs.get("path", name)) for name, sheet in sheets.items()}
    counts["duplicates"] = mark_duplicates(rows, paths)
    counts["usable"] = sum(1 for row in rows if row["usable"])
    return rows, counts


def _number(value: Any) -> float | None:
    return None if _blank(value) else float(str(value))


def _source_text(record: dict[str, Any], pmid: str | None) -> str:
    url = _text(record.get("source_url")) or _text(record.get("url"))
    label = _text(record.get("source_id")) or _text(record.get("study")) or "publication"
    where = _text(record.get("locator"))
    if url:
        return f"{label} <{url}>" + (f" ({where})" if where else "")
    return f"PubMed {pmid}" + (f", {where}" if where else "")


def _one_study_id(rows: list[dict[str, Any]]) -> None:
    """A publication that another sheet row ties to one registered trial (same PMID, one NCT
    ID) is that trial: its rows take the NCT ID as study, so one study is not counted twice."""
    trials: dict[str, set[str]] = {}
    for row in rows:
        nct = row["nct_id"]
        if row["pmid"] and nct and ";" not in nct:
            trials.setdefault(row["pmid"], set()).add(nct)
    for row in rows:
        linked = trials.get(row["pmid"] or "")
        if row["nct_id"] is None and linked and len(linked) == 1:
            row["study_id"] = next(iter(linked))


def _sheet_row(
    file_name: str, position: int, record: dict[str, Any], outcome: str, rules: OutcomeRules
) -> dict[str, Any]:
    nct = _text(record.get("nct_id"))
    pmid = _text(record.get("pmid"))
    time_text = _text(record.get("timepoint")) or _text(record.get("timepoint_text")) or ""
    stated = record.get("timepoint_days")
    days: float | None = None if _blank(stated) else float(str(stated))
    horizon_ref = _text(record.get("horizon_ref"))
    horizon_stated = _number(record.get("horizon_days"))
    if not time_text and horizon_ref:
        time_text = f"{horizon_stated:g} d from {horizon_ref}" if horizon_stated is not None else ""
    if days is None and horizon_ref == "first_dose":
        days = horizon_stated
    if days is None and time_text:
        days = parse_time_frame(time_text, rules.unit_days).point(rules.range_point)
    label = str(record["outcome"])
    trial = _text(record.get("trial"))
    study = _text(record.get("study"))
    study_id = nct if nct and ";" not in nct else (f"PMID:{pmid}" if pmid else None)
    if study_id is None and study and not (nct and ";" in nct):
        study_id = f"label:{study}"
    arm = str(record["arm"])
    drug = _text(record.get("drug"))
    role = rules.arm_role(arm)
    named = any(p.search(arm) for p in (*rules.experimental, *rules.control))
    if role is None and drug is not None and not named:
        # A sheet that codes the arm's drug places an arm its label does not: no drug of the
        # review is a control arm. A label naming both roles stays unplaced (reported).
        role = "control" if drug == "none" else "experimental"
    row = new_row(
        record_id=f"{file_name}:row {position + 2}",
        study_id=study_id,
        nct_id=nct,
        pmid=pmid,
        study_label=f"{trial} ({nct})" if trial and nct else (trial or study or study_id),
        source_kind="publication",
        source=_source_text(record, pmid),
        source_file=file_name,
        locator=_text(record.get("locator")),
        source_quality=_text(record.get("source_quality")),
        outcome=outcome,
        data_version="unspecified",
        measure_title=label,
        measure_key=f"{file_name}:{pmid or nct or study}:{label}:{time_text}",
        timepoint_text=time_text,
        timepoint_days=days,
        group=arm,
        arm_role=role,
        drug=drug,
        route=_text(record.get("route")),
        psychotherapy=_text(record.get("psychotherapy")),
        psychotherapy_type=_text(record.get("psychotherapy_type")),
        condition=_text(record.get("condition")),
        design=_text(record.get("design")),
        median_days=_number(record.get("median_days")),
        effect_measure=effect_measure_code(_text(record.get("effect_measure"))),
        effect=_number(record.get("effect")),
        ci_low=_number(record.get("ci_low")),
        ci_high=_number(record.get("ci_high")),
    )
    if horizon_ref is not None or horizon_stated is not None:
        horizon = horizon_after_course(
            horizon_stated,
            horizon_ref,
            _number(record.get("course_end_day")),
            _text(record.get("on_treatment")) == "yes",
        )
        row.update(
            horizon_days=horizon.days,
            horizon_ref=horizon_ref,
            horizon_status=horizon.status,
            horizon_basis=horizon.basis,
        )
    kind = rules.definitions[outcome].kind
    if kind in ("binary", "continuous"):
        _fill_sheet_numbers(row, record, kind)
    else:
        _fill_summary(row, record, kind)
    if row["usable"] and nct and ";" in nct:
        row["usable"] = False
        row["issue"] = "numbers pooled across several trials; not one study's arm"
    if row["usable"] and study_id is None:
        row["usable"] = False
        row["issue"] = "no NCT ID, PMID or study label to identify the study"
    return row


def _fill_summary(row: dict[str, Any], record: dict[str, Any], kind: str) -> None:
    """A median time (tabulated) or a precomputed effect with its CI (pooled as GEN)."""
    row["arm_n"] = None if _blank(record.get("arm_n")) else int(record["arm_n"])
    row["events"] = None if _blank(record.get("events")) else int(record["events"])
    if kind == "median":
        row["posted_value"] = None if row["median_days"] is None else f"{row['median_days']:g}"
        row["usable"] = row["median_days"] is not None
        if not row["usable"]:
            row["issue"] = "no median (median_days) stated"
        return
    printed = record.get(EFFECT_TEXT)
    row["posted_value"] = (
        None if row["effect"] is None else (str(printed) if printed else f"{row['effect']:g}")
    )
    if row["effect"] is None or row["ci_low"] is None or row["ci_high"] is None:
        row["issue"] = "needs effect, ci_low and ci_high"
        return
    row["usable"] = True


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
