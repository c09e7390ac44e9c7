"""Render the self-contained HTML report with Jinja2.

All text from records (titles, abstracts, arm descriptions) is untrusted and is escaped by
Jinja2's autoescaping; figures are embedded as base64 PNG so the report is one file. The report
holds no wall-clock time: the same inputs give a byte-identical report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from trialsynth.formatting import DASH, finite, format_number
from trialsynth.report.context import AnalysisSection
from trialsynth.report.findings import small_k_note
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


def render_report(inputs: ReportInputs) -> str:
    """Render ``report.html`` from loaded inputs."""
    template = template_environment().get_template("report.html")
    return template.render(r=inputs)


def write_report(inputs: ReportInputs, out: Path) -> None:
    """Render and write the report atomically."""
    from trialsynth.tables import write_text_atomic

    write_text_atomic(out, render_report(inputs))
