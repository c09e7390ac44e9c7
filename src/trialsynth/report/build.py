"""Assemble everything the report shows from the pipeline's files (one call per section).

:func:`build_inputs` reads the files named in :class:`ReportPaths`, computes the derived
sections (certainty, summary of findings, claims audit, registry gap, estimator sensitivity)
and returns the :class:`~trialsynth.report.render.ReportInputs` the template renders.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from trialsynth.digest import sha256_file
from trialsynth.figures.forest_footer import is_meta_regression
from trialsynth.link.labels import read_study_labels, study_labels
from trialsynth.meta.estimator_file import estimators_path, read_estimators
from trialsynth.protocol import load_protocol
from trialsynth.report.certainty import draft_certainty, validate_overrides
from trialsynth.report.claims import judge_claim, load_claims
from trialsynth.report.context import (
    AnalysisSection,
    load_analysis,
    load_sensitivity_figures,
    package_versions,
    place_png,
    read_csv_frame,
    read_csv_records,
    read_json,
)
from trialsynth.report.estimators import MIN_K, estimator_table, table_settings
from trialsynth.report.findings import key_finding, summary_row
from trialsynth.report.long_tables import (
    FULL_TABLES,
    DisplayLimits,
    copy_table,
    relative_href,
    write_full_table,
)
from trialsynth.report.methods import REFERENCES, methods_paragraphs
from trialsynth.report.registry_gap import parse_date, registry_gap
from trialsynth.report.render import ReportInputs
from trialsynth.tables import frame_records, read_json_document, read_table

log = logging.getLogger(__name__)

CHARACTERISTICS = (
    "design", "drug", "route", "condition", "psychotherapy", "psychotherapy_type", "comparator",
)  # fmt: skip
#: The columns of trials.csv and articles.csv the report uses (labels, characteristics, the
#: registry gap, claims, certainty, RIS); the long texts (abstracts, descriptions, outcome
#: lists) are not read, which keeps the report's memory small at registry scale.
TRIAL_COLUMNS = (
    "nct_id", "acronym", "brief_title", "masking", "enrollment", "overall_status", "start_date",
    "completion_date", "has_results", "lead_sponsor",
)  # fmt: skip
ARTICLE_COLUMNS = ("pmid", "title", "authors", "journal", "year", "doi")
#: Columns of the full tables written next to the report.
INCLUDED_COLUMNS = ("label", "nct_ids", "pmids", "title", *CHARACTERISTICS, "enrollment", "masking")
EVIDENCE_COLUMNS = ("nct_id", "field", "evidence")
SCREENING_COLUMNS = ("study_id", "decision", "reason", "detail", "decided_by")
EXCLUSION_COLUMNS = (
    "analysis_id", "study_id", "nct_id", "pmid", "source_kind", "outcome", "reason", "detail",
)  # fmt: skip
GAP_COLUMNS = (
    "nct_id", "title", "completion_date", "months_since", "has_results", "lead_sponsor",
    "sponsor_class",
)  # fmt: skip


@dataclass
class ReportPaths:
    """The files the report reads (``None``: the section says the input was not given)."""

    protocol: Path
    analyses_dir: Path
    results_dir: Path
    figures_dir: Path
    manifests: dict[str, Path] = field(default_factory=dict)
    prisma: Path | None = None
    screening: Path | None = None
    coding: Path | None = None
    trials: Path | None = None
    articles: Path | None = None
    studies: Path | None = None
    study_labels: Path | None = None
    exclusions: Path | None = None
    claims: Path | None = None
    certainty_overrides: Path | None = None
    exports: dict[str, str] = field(default_factory=dict)
    #: The page being written: figures and full tables are linked relative to it.
    report: Path | None = None
    #: Folder of the full per-record tables (``None``: not written, nothing linked).
    tables_dir: Path | None = None

    def given(self) -> list[Path]:
        """Every input file that was named, in a fixed order (for the provenance hashes)."""
        named = [self.protocol, *self.manifests.values()]
        named += [
            p
            for p in (
                self.prisma, self.screening, self.coding, self.trials, self.articles,
                self.studies, self.study_labels, self.exclusions, self.claims,
                self.certainty_overrides,
            )
            if p is not None
        ]  # fmt: skip
        return named


def _records(
    path: Path | None, schema: str | None = None, columns: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    return read_csv_records(path, schema, columns) if path is not None else []


def _labels(
    path: Path | None,
    studies: list[dict[str, Any]],
    articles: list[dict[str, Any]],
    trials: list[dict[str, Any]],
) -> dict[str, str]:
    """``{study_id: label}``: the labels ``trialsynth link`` wrote (the ones the figures print),
    else computed the same way (:func:`trialsynth.link.labels.study_labels`)."""
    if path is not None:
        return read_study_labels(path)
    return study_labels(studies, articles, trials) if studies else {}


def snapshot_date(manifests: dict[str, dict[str, Any]]) -> date | None:
    """The registry snapshot's date (CT.gov ``data_timestamp``, else ``finished_utc``)."""
    manifest = manifests.get("ctgov") or {}
    for key in ("data_timestamp", "finished_utc"):
        value = str(manifest.get(key) or "")[:10]
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    return None


def characteristics_rows(
    included: list[dict[str, Any]],
    coding: dict[str, dict[str, Any]],
    trials: dict[str, dict[str, Any]],
    articles: dict[str, dict[str, Any]],
    labels: dict[str, str],
) -> list[dict[str, Any]]:
    """One row per included study: label, identifiers, coding, size, masking, title."""
    rows = []
    for study in included:
        nct_ids = [n for n in str(study.get("nct_ids") or "").split(";") if n]
        pmids = [p for p in str(study.get("pmids") or "").split(";") if p]
        trial = trials.get(nct_ids[0], {}) if nct_ids else {}
        code = coding.get(nct_ids[0], {}) if nct_ids else {}
        title = trial.get("brief_title") or (
            articles.get(pmids[0], {}).get("title") if pmids else ""
        )
        row = {
            "label": labels.get(study["study_id"], study["study_id"]),
            "nct_ids": ", ".join(nct_ids),
            "pmids": ", ".join(pmids),
            "enrollment": trial.get("enrollment", ""),
            "masking": trial.get("masking", "") or "not stated",
            "title": title or "",
        }
        row.update({name: code.get(name, "") for name in CHARACTERISTICS})
        rows.append(row)
    return sorted(rows, key=lambda r: str(r["label"]).lower())


def add_coding(rows: list[dict[str, Any]], coding: dict[str, dict[str, Any]]) -> None:
    """Fill the coded fields a row lacks (drug, route, condition, comparator, design) from
    ``coding.csv``, so certainty and the summary of findings see what each study compared."""
    for row in rows:
        labels = coding.get(str(row.get("nct_id") or ""), {})
        for name in ("drug", "route", "condition", "comparator", "design"):
            if not row.get(name) and labels.get(name):
                row[name] = labels[name]


def _load_sections(
    paths: ReportPaths, protocol: dict[str, Any], labels: dict[str, str], limits: DisplayLimits
) -> list[AnalysisSection]:
    sections = []
    for spec in protocol.get("analyses", []):
        analysis_id = spec["id"]
        section = load_analysis(
            spec,
            paths.analyses_dir / f"{analysis_id}.csv",
            paths.results_dir / f"{analysis_id}.json",
            paths.figures_dir / f"forest_{analysis_id}.png",
            limits,
            paths.report,
        )
        folder = paths.figures_dir / f"sensitivity_{analysis_id}"
        if folder.is_dir():
            load_sensitivity_figures(section, folder, limits, paths.report)
        section.labels = {
            row["study"]: labels.get(row.get("study_id", ""), row["study"]) for row in section.rows
        }
        if section.result.k >= MIN_K and not is_meta_regression(section.result):
            tests, level, pi = table_settings(protocol["meta"])
            result_path = paths.results_dir / f"{analysis_id}.json"
            fitted = read_estimators(
                estimators_path(result_path),
                section.result.yi,
                section.result.vi,
                tests[0],
                level,
                pi,
            )
            section.estimators = estimator_table(section.result, protocol["meta"], fitted)
        sections.append(section)
    return sections


def build_inputs(paths: ReportPaths) -> ReportInputs:
    """Read every input and compute every section of the report."""
    protocol = load_protocol(paths.protocol)
    limits = DisplayLimits.from_protocol(protocol)
    manifests = {name: read_json(path) for name, path in paths.manifests.items()}
    screening = _records(paths.screening, "screening")
    decided = {row["study_id"]: row.get("decision") for row in screening}
    studies = _records(paths.studies)
    included = [s for s in studies if decided.get(s["study_id"]) == "include"]
    coding_rows = _records(paths.coding, "coding")
    trials = _records(paths.trials, columns=TRIAL_COLUMNS)
    articles = _records(paths.articles, columns=ARTICLE_COLUMNS)
    by_nct = {row["nct_id"]: row for row in trials}
    by_pmid = {row["pmid"]: row for row in articles}
    coding = {row["nct_id"]: row for row in coding_rows}
    labels = _labels(paths.study_labels, studies, articles, trials)
    sections = _load_sections(paths, protocol, labels, limits)
    for section in sections:
        add_coding(section.rows, coding)

    overrides = []
    if paths.certainty_overrides is not None:
        overrides = validate_overrides(
            _records(paths.certainty_overrides), paths.certainty_overrides
        )
    masking = {nct: str(row.get("masking") or "") for nct, row in by_nct.items()}
    summary_rows, findings = [], []
    for section in sections:
        section.certainty = draft_certainty(
            section.result, section.rows, masking, overrides, section.id
        )
        row = summary_row(section, section.certainty)
        summary_rows.append(row)
        findings.append((key_finding(section, row), f"analysis-{section.id}"))

    claims = []
    if paths.claims is not None:
        fitted = {s.id: (s.result, s.rows) for s in sections}
        source = str((manifests.get("ctgov") or {}).get("source", ""))
        complete = source == "live" and not (manifests.get("ctgov") or {}).get("since")
        claims = [
            judge_claim(claim, fitted, trials, coding, complete)
            for claim in load_claims(paths.claims)
        ]
        for verdict in claims:
            if verdict.analysis:
                section_of = {s.id: s.section for s in sections}
                verdict.section = section_of.get(verdict.analysis)

    published = {}
    for study in studies:
        for nct in str(study.get("nct_ids") or "").split(";"):
            if nct:
                published[nct] = bool(study.get("pmids"))
    when = snapshot_date(manifests)
    gap = registry_gap(trials, published, when) if when is not None and trials else None

    prisma = read_json_document(paths.prisma, "prisma") if paths.prisma else None
    flow = paths.figures_dir / "prisma_flow.png"
    durability_png = paths.figures_dir / "durability.png"
    durability_table = paths.results_dir / "durability_figure.csv"
    prisma_png, prisma_link = (
        place_png(flow, limits, paths.report) if flow.exists() else (None, None)
    )
    durability_data, durability_link = (
        place_png(durability_png, limits, paths.report) if durability_png.exists() else (None, None)
    )
    linked = {"prisma_flow": prisma_link, "durability": durability_link}
    exclusions, exclusions_total, exclusion_reasons = load_exclusions(paths.exclusions, limits)
    included_coding = [row for nct, row in coding.items() if decided.get(nct) == "include"]
    return ReportInputs(
        protocol=protocol,
        manifests=manifests,
        prisma=prisma,
        prisma_png=prisma_png,
        durability_png=durability_data,
        durability_rows=(
            read_table(durability_table, "durability_figure").to_dict("records")
            if durability_table.exists()
            else []
        ),
        screening=screening,
        coding=included_coding,
        exclusions=exclusions,
        exclusions_total=exclusions_total,
        exclusion_reasons=exclusion_reasons,
        analyses=sections,
        input_files=[(str(p), sha256_file(p)) for p in paths.given()]
        + [
            (s.paths[key], sha256_file(Path(s.paths[key])))
            for s in sections
            for key in ("data", "result")
        ],
        versions=package_versions(),
        titles={nct: row.get("brief_title", "") for nct, row in by_nct.items()},
        labels=labels,
        characteristics=characteristics_rows(included, coding, by_nct, by_pmid, labels),
        methods=methods_paragraphs(protocol),
        references=REFERENCES,
        key_findings=findings,
        summary_rows=summary_rows,
        claims=claims,
        gap=gap,
        overrides=overrides,
        exports=dict(paths.exports),
        limits=limits,
        linked_figures={name: link for name, link in linked.items() if link is not None},
        full_tables=_full_table_links(paths),
        included_studies=included,
        trials_by_nct=by_nct,
        articles_by_pmid=by_pmid,
    )


def load_exclusions(
    path: Path | None, limits: DisplayLimits
) -> tuple[list[dict[str, Any]], int | None, list[tuple[str, int]] | None]:
    """The rows of ``outcome_exclusions.csv`` the page lists, the table's row count and its
    counts per reason. A registry's table (92,000 rows at 10,000 trials) is counted from its
    ``reason`` column alone (checked against the schema), and only the rows the page lists are
    read whole (and checked); the full table is copied as it is (:func:`write_full_tables`)."""
    if path is None:
        return [], None, None
    shown = read_csv_frame(path, "outcome_exclusions", nrows=limits.table_rows)
    reason = read_csv_frame(path, "outcome_exclusions", columns=("reason",))["reason"]
    reasons = Counter(reason.fillna("not stated").tolist()) if len(reason) else {}
    counted = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return frame_records(shown, missing=""), len(reason), counted


def _full_table_links(paths: ReportPaths) -> dict[str, str]:
    """``{table name: link from the page}`` of the full tables :func:`write_full_tables` writes."""
    if paths.tables_dir is None or paths.report is None:
        return {}
    return {
        name: relative_href(paths.tables_dir / file, paths.report)
        for name, file in FULL_TABLES.items()
    }


def write_full_tables(inputs: ReportInputs, paths: ReportPaths) -> None:
    """Write every per-record table of the page in full as CSV under ``paths.tables_dir``
    (:data:`~trialsynth.report.long_tables.FULL_TABLES`): the screening decisions and the
    studies left out of analyses as their input files are, the included studies, the evidence
    of their coded labels and the registry gap as the page lists them."""
    if paths.tables_dir is None:
        return
    folder = paths.tables_dir
    for name, source, columns in (
        ("screening", paths.screening, SCREENING_COLUMNS),
        ("exclusions", paths.exclusions, EXCLUSION_COLUMNS),
    ):
        if source is not None:
            copy_table(source, folder / FULL_TABLES[name])
        else:
            write_full_table(folder / FULL_TABLES[name], [], columns)
    write_full_table(folder / FULL_TABLES["included"], inputs.characteristics, INCLUDED_COLUMNS)
    evidence = inputs.long_table("evidence").rows
    write_full_table(folder / FULL_TABLES["evidence"], evidence, EVIDENCE_COLUMNS)
    gap_rows = inputs.gap.trials if inputs.gap is not None else []
    write_full_table(folder / FULL_TABLES["gap"], gap_rows, GAP_COLUMNS)
