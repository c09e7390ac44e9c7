"""The outcomes stage end to end: read inputs, extract, build every analysis, write atomically.

Nothing is written until every table has been built and validated, so a failure leaves the
previous outputs as they were.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.code.codebook import load_codebook
from trialsynth.errors import ProtocolError
from trialsynth.meta.effect_sizes import ZeroCellSettings
from trialsynth.outcomes.analyses import (
    analysis_columns,
    build_analysis,
    check_analysis,
    coding_by_nct,
    study_maps,
)
from trialsynth.outcomes.arm_analyses import (
    ARM_KINDS,
    arm_analysis_columns,
    build_arm_analysis,
    check_arm_analysis,
)
from trialsynth.outcomes.arm_codes import code_sheet_arms
from trialsynth.outcomes.ctgov_results import read_ctgov_outcomes
from trialsynth.outcomes.extraction import extraction_rows, load_extraction_dir
from trialsynth.outcomes.medians import median_table
from trialsynth.outcomes.rows import EXCLUSION_COLUMNS, OUTCOME_COLUMNS, exclusion
from trialsynth.outcomes.rules import load_outcome_rules
from trialsynth.outcomes.verify import verify_sheets
from trialsynth.protocol import load_protocol
from trialsynth.tables import load_schema, read_table, validate_table, write_table

log = logging.getLogger(__name__)


@dataclass
class OutcomesRun:
    """Everything the stage produced, before or after writing."""

    outcomes: pd.DataFrame
    analyses: dict[str, pd.DataFrame]
    exclusions: pd.DataFrame
    counts: dict[str, Any]
    verification: pd.DataFrame | None = None
    medians: pd.DataFrame | None = None
    #: The protocol's ``analyses`` (each analysis spec), as read for this run.
    specs: list[dict[str, Any]] = field(default_factory=list)


def extract_outcomes(
    ctgov_raw: str | os.PathLike[str],
    extraction_dir: str | os.PathLike[str],
    protocol_path: str | os.PathLike[str],
    coding_path: str | os.PathLike[str],
    screening_path: str | os.PathLike[str] | None = None,
    articles_path: str | os.PathLike[str] | None = None,
    codebook_path: str | os.PathLike[str] | None = None,
) -> OutcomesRun:
    """Build ``outcomes.csv``, one input table per analysis and the exclusions (in memory).

    Parameters
    ----------
    ctgov_raw
        The posted results of ``trialsynth parse ctgov --posted-results`` (a ``.jsonl``
        file), or the folder with the raw CT.gov ``page-*.json`` files
        (:func:`trialsynth.outcomes.ctgov_results.read_ctgov_outcomes`; the same rows).
    extraction_dir
        Folder with the curated sheets (``*.csv``).
    protocol_path
        ``analysis/protocol.yaml`` (sections ``outcomes`` and ``analyses``).
    coding_path, screening_path
        ``coding.csv`` and (optionally) ``screening.csv``.
    articles_path
        ``articles.csv`` (the parsed PubMed snapshot): when given, every sheet row whose
        source is a PubMed abstract in it is verified (:mod:`trialsynth.outcomes.verify`).
    codebook_path
        ``codebook.yaml``: when given, sheet arms without codes are coded from their labels
        (:mod:`trialsynth.outcomes.arm_codes`).
    """
    protocol = load_protocol(protocol_path)
    rules = load_outcome_rules(protocol, protocol_path)
    specs = protocol.get("analyses") or []
    ids = [s["id"] for s in specs]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ProtocolError(
            f"duplicate analysis id(s) {duplicated}",
            path=protocol_path,
            record="key analyses",
            hint="give every analysis its own id",
        )
    for spec in specs:
        if spec.get("kind", "contrast") in ARM_KINDS:
            check_arm_analysis(spec, rules, protocol_path)
        else:
            check_analysis(spec, rules, protocol_path)
    zero = (protocol.get("meta") or {}).get("zero_cells") or {}
    zero_cells = ZeroCellSettings(
        add=float(zero.get("add", 0.5)),
        to=str(zero.get("to", "only0")),
        drop00=bool(zero.get("drop00", False)),
    )
    ctgov_rows, ctgov_counts = read_ctgov_outcomes(ctgov_raw, rules)
    sheets = load_extraction_dir(extraction_dir)
    verification, verified = (
        verify_sheets(sheets, read_table(articles_path, columns=("pmid", "title", "abstract")))
        if articles_path
        else (None, {})
    )
    sheet_rows, sheet_counts = extraction_rows(sheets, rules)
    coding = read_table(coding_path, "coding", partial=True)
    coding_map = coding_by_nct(coding)
    arm_codes = code_sheet_arms(
        sheet_rows, load_codebook(codebook_path) if codebook_path else None, coding_map
    )
    rows = ctgov_rows + sheet_rows
    screening = read_table(screening_path, "screening", partial=True) if screening_path else None
    exclusions = [
        exclusion(
            None,
            "unusable_record",
            f"{r['record_id']}: {r['issue']}",
            study_id=r["study_id"],
            nct_id=r["nct_id"],
            pmid=r["pmid"],
            source_kind=r["source_kind"],
            outcome=r["outcome"],
        )
        for r in rows
        if not r["usable"]
    ]
    maps = study_maps(coding, screening, coding_map)
    # An arm analysis looks up the screening decision of the studies its rows name only; the
    # rows' studies are a small part of a registry-scale screening table.
    row_studies = {r["study_id"] for r in rows if r["study_id"]}
    rows_screening = (
        None if screening is None else screening[screening["study_id"].isin(row_studies)]
    )
    used: dict[str, list[str]] = {}
    not_used: dict[str, list[str]] = {}
    analyses = {}
    for spec in specs:
        if spec.get("kind", "contrast") in ARM_KINDS:
            result = build_arm_analysis(spec, rows, rows_screening, zero_cells)
        else:
            result = build_analysis(spec, rows, rules, coding, screening, maps)
        analyses[spec["id"]] = _integers(result.table)
        exclusions.extend(result.exclusions)
        for record_id in result.used:
            used.setdefault(record_id, []).append(spec["id"])
        for record_id, why in result.not_used.items():
            not_used.setdefault(record_id, []).append(why)
        log.info(
            "analysis %s: k = %d, %d studies left out (%s)",
            spec["id"],
            len(result.table),
            len(result.exclusions),
            ", ".join(
                f"{k} {v}" for k, v in Counter(e["reason"] for e in result.exclusions).most_common()
            ),
        )
    for row in rows:
        row["used_in"] = ";".join(sorted(used.get(row["record_id"], []))) or None
        row["not_used"] = " | ".join(not_used.get(row["record_id"], [])) or None
    outcomes = _integers(pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS)))
    counts = {
        "ctgov": ctgov_counts,
        "sheets": sheet_counts,
        "unusable_records": sum(1 for r in rows if not r["usable"]),
        "derived_events": sum(1 for r in rows if r["derivation"] and r["events"] is not None),
        "derivations_failed": sum(1 for r in rows if r["derivation"] and not r["usable"]),
        "unreadable_time_frames": sum(1 for r in rows if r["timepoint_days"] is None),
        "verification": verified,
        "arm_codes": arm_codes,
    }
    log.info("outcome records: %d CT.gov, %d curated; %s", len(ctgov_rows), len(sheet_rows), counts)
    return OutcomesRun(
        outcomes=outcomes,
        analyses=analyses,
        exclusions=pd.DataFrame(exclusions, columns=list(EXCLUSION_COLUMNS)),
        counts=counts,
        verification=verification,
        medians=median_table(rows, rules),
        specs=specs,
    )


_INTEGER_COLUMNS = ("arm_n", "events", "ai", "bi", "ci", "di", "n1i", "n2i", "xi", "ni")


def _integers(df: pd.DataFrame) -> pd.DataFrame:
    """Counts as nullable integers, so a missing value does not turn 60 into ``60.0``."""
    for col in _INTEGER_COLUMNS:
        if col in df.columns:
            df[col] = pd.array(
                [None if v is None or pd.isna(v) else int(v) for v in df[col]], dtype="Int64"
            )
    return df


def write_outcomes(
    run: OutcomesRun,
    out: str | os.PathLike[str],
    analyses_dir: str | os.PathLike[str],
    exclusions_path: str | os.PathLike[str],
    specs: list[dict[str, Any]],
    verification_path: str | os.PathLike[str] | None = None,
    medians_path: str | os.PathLike[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Validate every table first, then write each one atomically.

    ``labels`` (``study_id -> author-year label``, study_labels.csv of ``trialsynth link``)
    fills each analysis table's ``study_label`` column, so the figures label their rows from
    the table itself (as metafor's ``slab`` travels with the data). A study that is not in
    studies.csv (a sheet-only study, ``outcomes.sheet_only_studies: include``) has no label
    and keeps an empty cell; the figures then show its ``study`` name.
    """
    analysis_schema = load_schema("analysis_input")
    for spec in specs:
        columns = (
            arm_analysis_columns(spec)
            if spec.get("kind", "contrast") in ARM_KINDS
            else analysis_columns(spec)
        )
        table = run.analyses[spec["id"]].reindex(columns=columns)
        table["study_label"] = pd.Series(
            [(labels or {}).get(str(sid)) for sid in table["study_id"]],
            index=table.index,
            dtype=object,
        )
        run.analyses[spec["id"]] = table
        validate_table(table, analysis_schema, path=Path(analyses_dir) / f"{spec['id']}.csv")
    # Every table is validated once, before any is written; each is then written in its
    # schema's column order (what write_table does with a schema, without validating again).
    tables: list[tuple[pd.DataFrame, str | os.PathLike[str], str]] = [
        (run.outcomes, out, "outcomes")
    ]
    if medians_path is not None and run.medians is not None:
        tables.append((run.medians, medians_path, "median_times"))
    if verification_path is not None and run.verification is not None:
        tables.append((run.verification, verification_path, "outcome_verification"))
    tables.append((run.exclusions, exclusions_path, "outcome_exclusions"))
    ordered = []
    for table, path, schema_name in tables:
        schema = load_schema(schema_name)
        validate_table(table, schema, path=path)
        columns = [c for c in schema.get("properties", {}) if c in table.columns]
        ordered.append((table[columns], path))
    for table, path in ordered:
        write_table(table, path)
    for spec in specs:
        # Validated above; written in the protocol's column order (not the schema's).
        write_table(run.analyses[spec["id"]], Path(analyses_dir) / f"{spec['id']}.csv")
