"""Render the self-contained HTML report with Jinja2.

All text from records (titles, abstracts, arm descriptions) is untrusted and is escaped by
Jinja2's autoescaping; figures are embedded as base64 PNG so the report is one file. The report
holds no wall-clock time: the same inputs give a byte-identical report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2

from trialsynth.formatting import DASH, finite, format_number
from trialsynth.report.context import AnalysisSection
from trialsynth.report.findings import small_k_note
from trialsynth.report.long_tables import DisplayLimits, LinkedFigure, LongTable
from trialsynth.report.regression import regression_summary


@dataclass
class ReportInputs:
    """Everything the report shows, already loaded."""

    protocol: dict[str, Any]
    manifests: dict[str, dict[str, Any]]
    prisma: dict[str, Any] | None
    screening: list[dict[str, Any]]
    coding: list[dict[str, Any]]
    exclusions: list[dict[str, Any]]
    analyses: list[AnalysisSection]
    input_files: list[tuple[str, str]]
    versions: dict[str, str]
    titles: dict[str, str] = field(default_factory=dict)
    #: The "What changed since the previous run" section (trialsynth.history.compare).
    changes: dict[str, Any] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    prisma_png: str | None = None
    #: The durability figure (base64 PNG) and the numbers it draws (durability_figure.csv).
    durability_png: str | None = None
    durability_rows: list[dict[str, Any]] = field(default_factory=list)
    characteristics: list[dict[str, Any]] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    references: tuple[str, ...] = ()
    key_findings: list[tuple[str, str]] = field(default_factory=list)
    summary_rows: list[Any] = field(default_factory=list)
    claims: list[Any] = field(default_factory=list)
    gap: Any = None
    overrides: list[dict[str, Any]] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)
    #: How many rows of a per-record table and how large a figure the page holds.
    limits: DisplayLimits = field(default_factory=DisplayLimits)
    #: Figures of the review larger than the page embeds ("prisma_flow", "durability").
    linked_figures: dict[str, LinkedFigure] = field(default_factory=dict)
    #: ``{table name: link}`` of the full tables written next to the report.
    full_tables: dict[str, str] = field(default_factory=dict)
    #: Rows of outcome_exclusions.csv and their counts per reason when ``exclusions`` holds
    #: only the rows the page lists (``None``: ``exclusions`` is the whole table).
    exclusions_total: int | None = None
    exclusion_reasons: list[tuple[str, int]] | None = None
    #: Rows of studies.csv, trials.csv and articles.csv for the RIS export (read once).
    included_studies: list[dict[str, Any]] = field(default_factory=list)
    trials_by_nct: dict[str, dict[str, Any]] = field(default_factory=dict)
    articles_by_pmid: dict[str, dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def evidence(self) -> list[dict[str, Any]]:
        """One row per coded label with evidence of the included studies (computed once)."""
        return evidence_rows(self.coding)

    def long_table(self, name: str) -> LongTable:
        """The per-record table ``name`` as the page shows it (up to ``limits.table_rows``)."""
        count = self.exclusions_total if name == "exclusions" else None
        rows, what = {
            "screening": (self.screening, "screening decisions"),
            "included": (self.characteristics, "included studies"),
            "evidence": (self.evidence, "coded labels with their evidence"),
            "exclusions": (self.exclusions, "study–analysis pairs left out"),
            "gap": (self.gap.trials if self.gap is not None else [], "trials in the gap"),
        }[name]
        return LongTable(rows, self.limits.table_rows, what, self.full_tables.get(name), count)

    def exclusion_counts(self) -> list[tuple[str, int]]:
        """Study–analysis pairs left out per reason, most frequent first (every row counted)."""
        if self.exclusion_reasons is not None:
            return self.exclusion_reasons
        return counts_of(self.exclusions, "reason")

    @property
    def results_analyses(self) -> list[AnalysisSection]:
        """Analyses shown under Results."""
        return [a for a in self.analyses if a.section == "results"]

    @property
    def durability_analyses(self) -> list[AnalysisSection]:
        """Analyses the protocol places in the durability section."""
        return [a for a in self.analyses if a.section == "durability"]

    def claim_counts(self) -> dict[str, int]:
        """Claims per verdict, in the order of the verdicts."""
        from trialsynth.report.claims import VERDICTS

        return {v: sum(c.verdict == v for c in self.claims) for v in VERDICTS}


def evidence_rows(coding: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``coding.csv`` rows as one row per coded label with evidence: NCT ID, field, evidence."""
    return [
        {"nct_id": row["nct_id"], "field": key[len("evidence_") :], "evidence": value}
        for row in coding
        for key, value in row.items()
        if key.startswith("evidence_") and value
    ]


def template_environment() -> jinja2.Environment:
    """The Jinja2 environment with autoescaping on for every template."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("trialsynth.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["counts_by"] = counts_by
    environment.filters["counts_of"] = counts_of
    environment.filters["reason_counts"] = reason_counts
    environment.filters["thousands"] = thousands
    environment.filters["fmt_num"] = format_number
    environment.filters["fmt_g"] = format_general
    environment.filters["regression"] = regression_summary
    environment.filters["small_k_note"] = small_k_note
    return environment


def format_general(value: Any) -> str:
    """A number as it was given (``18``, ``27.5``), ``"—"`` when not estimable."""
    number = finite(value)
    return DASH if number is None else f"{number:g}"


def counts_by(rows: list[dict[str, Any]], key: str) -> str:
    """``"value A 20, value B 6"``: rows per value of ``key``, most frequent first."""
    counts = Counter(str(r.get(key) or "not stated") for r in rows)
    return ", ".join(f"{v} {n}" for v, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))


def counts_of(rows: list[dict[str, Any]], key: str) -> list[tuple[str, int]]:
    """``[(value, rows)]`` of ``key``, most frequent first (ties by value)."""
    counts = Counter(str(r.get(key) or "not stated") for r in rows)
    return sorted(counts.items(), key=lambda x: (-x[1], x[0]))


def reason_counts(screening: list[dict[str, Any]]) -> list[tuple[tuple[str, str], int]]:
    """Screening decisions per (decision, reason): included first, then awaiting review, then
    excluded, most frequent reason first within each (an inclusion by the rules has no reason:
    "eligibility rules met")."""
    order = {"include": 0, "review": 1, "exclude": 2}
    counts = Counter(
        (str(r.get("decision") or ""), str(r.get("reason") or "eligibility rules met"))
        for r in screening
    )
    return sorted(counts.items(), key=lambda x: (order.get(x[0][0], 3), -x[1], x[0][1]))


def thousands(value: int) -> str:
    """An integer with thousands separators (``22,808``)."""
    return f"{int(value):,}"


def render_report(inputs: ReportInputs) -> str:
    """Render ``report.html`` from loaded inputs."""
    template = template_environment().get_template("report.html")
    return template.render(r=inputs)


def write_report(inputs: ReportInputs, out: Path) -> None:
    """Render and write the report atomically."""
    from trialsynth.documents import write_text_atomic

    write_text_atomic(out, render_report(inputs))
