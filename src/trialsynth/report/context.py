"""Collect what the report shows from the pipeline's outputs, one loader per input.

Every number in the report comes from a file of the pipeline; the loaders keep the file's path
with the data so the report can say where each section came from.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from markupsafe import Markup, escape

from trialsynth import __version__
from trialsynth.errors import InputError
from trialsynth.figures.forest_footer import T_TESTS
from trialsynth.formatting import DASH, format_number, format_p, format_percent
from trialsynth.meta.result import MetaResult, load_result
from trialsynth.report.long_tables import DisplayLimits, LinkedFigure, relative_href
from trialsynth.tables import frame_records, load_schema, validate_table

#: Packages whose versions the provenance block lists.
PROVENANCE_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "pymare",
    "snakemake",
    "requests",
    "biopython",
    "plotnine",
    "matplotlib",
)


#: The numbers of an input row that the page lists, in this order (metafor ``escalc`` names).
NUMBER_COLUMNS = (
    "ai", "bi", "ci", "di", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "xi", "ni", "yi", "vi",
)  # fmt: skip


class SourceRow(NamedTuple):
    """One input row as the page's "where every number came from" table shows it."""

    label: str
    study: str
    #: ``col = value; ...`` of the row's non-empty :data:`NUMBER_COLUMNS`, already escaped.
    numbers: Markup
    source_kind: Any
    source: Any
    corrections: Any
    selection: Any


@dataclass
class AnalysisSection:
    """One analysis: its protocol entry, input rows, pooled result and figure."""

    spec: dict[str, Any]
    rows: list[dict[str, Any]]
    result: MetaResult
    figure_png_base64: str | None
    paths: dict[str, str]
    summary: dict[str, str] = field(default_factory=dict)
    leave1out: list[tuple[str, str]] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    figure_reasons: dict[str, str] = field(default_factory=dict)
    estimators: list[dict[str, str]] = field(default_factory=list)
    certainty: Any = None
    labels: dict[str, str] = field(default_factory=dict)
    #: Figures larger than the page embeds ("forest", "leave1out", ...): linked, not embedded.
    linked: dict[str, LinkedFigure] = field(default_factory=dict)

    def source_rows(self) -> list[SourceRow]:
        """The input rows as the page lists them: label, study, numbers and their source.

        Built here once per row rather than by ~20 method calls per row in the template (each
        call from a template goes through Jinja's runtime: a fifth of the page's rendering at
        registry scale); the cells are escaped as the template escapes them
        (``tests/unit/report/test_report.py`` compares the two on real data).
        """
        return [
            SourceRow(
                label=self.labels.get(row["study"], row["study"]),
                study=row["study"],
                numbers=Markup(
                    "; ".join(
                        f"{col} = {escape(row[col])}" for col in NUMBER_COLUMNS if row.get(col)
                    )
                ),
                source_kind=row.get("source_kind", ""),
                source=row.get("source", ""),
                corrections=row.get("corrections", ""),
                selection=row.get("selection"),
            )
            for row in self.rows
        ]

    @property
    def id(self) -> str:
        """The analysis id of the protocol."""
        return str(self.spec["id"])

    @property
    def section(self) -> str:
        """``results`` or ``durability`` (protocol ``section``)."""
        return str(self.spec.get("section", "results"))


def read_json(path: Path) -> Any:
    """Read a JSON file, naming it on error."""
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError as exc:
        raise InputError("file not found", path=path, hint="run the workflow first") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc}", path=path) from exc


def read_csv_records(
    path: Path, schema: str | None = None, columns: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """Rows of a CSV as dicts of strings (empty cells as empty strings), validated against the
    shipped schema ``schema`` when given.

    ``columns`` reads only those of the file's columns (a registry's abstracts and descriptions
    are not parsed when the report does not show them); a column the file lacks is left out.
    """
    return frame_records(read_csv_frame(path, schema, columns), missing="")


def read_csv_frame(
    path: Path,
    schema: str | None = None,
    columns: tuple[str, ...] | None = None,
    nrows: int | None = None,
) -> pd.DataFrame:
    """The table :func:`read_csv_records` reads, as a frame of strings; with a ``schema``, its
    empty cells are missing values (``pd.NA``), as :func:`trialsynth.tables.validate_table`
    checks them (read so by the parser, not replaced in a copy of the whole table).

    ``nrows`` reads only the first rows. With ``columns``, the columns read are checked against
    the schema and the others are not demanded (as :func:`trialsynth.tables.read_table` checks
    a reader of some columns)."""
    if not path.exists():
        raise InputError("file not found", path=path, hint="run the workflow first")
    usecols = None
    if columns is not None:
        header = pd.read_csv(path, nrows=0).columns
        usecols = [c for c in header if c in set(columns)]
    # one pass over the file (every column's dtype is given: the same frame as in chunks)
    df = pd.read_csv(
        path,
        dtype="string",
        keep_default_na=False,
        na_values=[""] if schema is not None else None,
        usecols=usecols,
        nrows=nrows,
        low_memory=False,
    )
    if schema is not None:
        validate_table(df, load_schema(schema), path=path, require_columns=columns is None)
    return df


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the numbers and figures."""
    versions = {"trialsynth": __version__}
    for name in PROVENANCE_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _test_statistic(result: MetaResult) -> str:
    stat = _num(result.stat)
    if stat is None:
        return DASH
    if str(result.settings.get("test", "z")) in T_TESTS:
        return f"t = {stat:.2f}, df = {result.k - 1}"
    return f"z = {stat:.2f}"


def summarise_result(result: MetaResult) -> dict[str, str]:
    """Pooled numbers as a journal prints them, on the reporting scale (ratios exponentiated).

    Estimates and intervals with 2 decimals, p-values with 3 significant figures or
    ``< 0.001``, I² in whole percent. With k = 1 nothing is pooled: no prediction interval and
    no heterogeneity are reported.
    """
    settings = result.settings
    measure = result.effect_measure()
    back = measure.back_transform
    out: dict[str, str] = {"measure": measure.short, "k": str(result.k)}
    est, lo, hi = _num(result.estimate), _num(result.ci_lb), _num(result.ci_ub)
    if est is not None and lo is not None and hi is not None:
        out["pooled"] = measure.format_effect(est, lo, hi)
    pi_lb, pi_ub = _num(result.pi_lb), _num(result.pi_ub)
    if result.k > 1 and pi_lb is not None and pi_ub is not None:
        out["prediction"] = f"{back(pi_lb):.2f} to {back(pi_ub):.2f}"
    if measure.null is not None:  # a single-arm proportion is tested against no value
        out["pval"] = format_p(result.pval)
        out["test"] = _test_statistic(result)
    if result.k > 1:
        out["tau2"] = format_number(result.tau2, 3)
        if _num(result.tau2_ci_lb) is not None:
            out["tau2_ci"] = (
                f"{format_number(result.tau2_ci_lb, 3)} to {format_number(result.tau2_ci_ub, 3)}"
            )
        out["I2"] = format_percent(result.I2)
        if _num(result.I2_ci_lb) is not None:
            out["I2_ci"] = f"{format_percent(result.I2_ci_lb)} to {format_percent(result.I2_ci_ub)}"
        out["Q"] = (
            f"Q = {format_number(result.Q, 2)}, df = {result.Q_df}, p = {format_p(result.Q_p)}"
        )
    mh = result.mantel_haenszel
    if isinstance(mh, dict) and mh.get("estimate") is not None:
        out["mantel_haenszel"] = measure.format_effect(mh["estimate"], mh["ci_lb"], mh["ci_ub"])
    egger = result.egger_lm
    if isinstance(egger, dict) and egger.get("stat") is not None:
        stat, pval = format_number(egger["stat"], 2), format_p(egger.get("pval"))
        out["egger"] = f"t = {stat}, df = {egger.get('df')}, p = {pval}"
    out["settings"] = ", ".join(
        f"{key} {settings[key]}" for key in ("method", "test", "pi", "level") if key in settings
    )
    return out


def embed_png(path: Path) -> str:
    """A PNG file as base64 text for a ``data:`` URL (the report stays one file)."""
    if not path.exists():
        raise InputError("figure not found", path=path, hint="run the figures rules first")
    return base64.b64encode(path.read_bytes()).decode("ascii")


def place_png(
    path: Path, limits: DisplayLimits | None = None, report: Path | None = None
) -> tuple[str | None, LinkedFigure | None]:
    """A figure embedded as base64 ``(data, None)``, or linked from the page ``report``
    ``(None, link)`` when it is larger than ``limits`` embeds
    (:mod:`trialsynth.report.long_tables`)."""
    if not path.exists():
        raise InputError("figure not found", path=path, hint="run the figures rules first")
    size = path.stat().st_size
    if limits is None or report is None or limits.embeds(size):
        return embed_png(path), None
    return None, LinkedFigure(href=relative_href(path, report), size_bytes=size)


def load_sensitivity_figures(
    section: AnalysisSection,
    folder: Path,
    limits: DisplayLimits | None = None,
    report: Path | None = None,
) -> None:
    """Embed (or link) the figures that ``trialsynth figures sensitivity`` drew, and keep its
    reasons."""
    index = read_json(folder / "index.json")
    for name, entry in sorted(index.items()):
        pngs = [f for f in entry.get("files", []) if f.endswith(".png")]
        if pngs:
            data, link = place_png(folder / pngs[0], limits, report)
            if data is not None:
                section.figures[name] = data
            if link is not None:
                section.linked[name] = link
        else:
            section.figure_reasons[name] = str(entry.get("reason", ""))


def load_analysis(
    spec: dict[str, Any],
    data_path: Path,
    result_path: Path,
    figure_path: Path | None,
    limits: DisplayLimits | None = None,
    report: Path | None = None,
) -> AnalysisSection:
    """Load one analysis's input rows, pooled result and figure (embedded, or linked from the
    page ``report`` when larger than ``limits`` embeds)."""
    result = load_result(result_path)
    figure, link = None, None
    if figure_path is not None:
        if not figure_path.exists():
            raise InputError(
                "figure not found", path=figure_path, hint="run `trialsynth figures forest`"
            )
        figure, link = place_png(figure_path, limits, report)
    section = AnalysisSection(
        spec=spec,
        rows=read_csv_records(data_path, "meta_input"),
        result=result,
        figure_png_base64=figure,
        paths={
            "data": str(data_path),
            "result": str(result_path),
            "figure": str(figure_path) if figure_path else "",
        },
    )
    if link is not None:
        section.linked["forest"] = link
    section.summary = summarise_result(result)
    leave_out = result.leave1out_estimate
    labels = result.study or [row.get("study", "") for row in section.rows]
    back = result.effect_measure().back_transform
    section.leave1out = [
        (str(label), DASH if _num(value) is None else f"{back(value):.2f}")
        for label, value in zip(labels, leave_out, strict=False)
    ]
    return section
