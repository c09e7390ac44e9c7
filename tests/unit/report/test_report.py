"""The report escapes untrusted text, embeds figures and holds no wall-clock time."""

from __future__ import annotations

import json
from pathlib import Path

from trialsynth.meta.result import MetaResult
from trialsynth.report.context import AnalysisSection, load_analysis, summarise_result
from trialsynth.report.render import ReportInputs, render_report

RESULT = {
    "k": 2,
    "estimate": -0.5,
    "se": 0.2,
    "ci_lb": -0.9,
    "ci_ub": -0.1,
    "pval": 0.012,
    "pi_lb": -1.5,
    "pi_ub": 0.5,
    "tau2": 0.01,
    "I2": 12.5,
    "Q": 1.2,
    "Q_df": 1,
    "Q_p": 0.27,
    "yi": [-0.4, -0.6],
    "vi": [0.05, 0.06],
    "leave1out_estimate": [-0.6, -0.4],
    "study": ["<script>alert(1)</script>", "TRANSFORM-2"],
    "settings": {"measure": "RR", "method": "REML", "test": "adhoc", "pi": "hts", "level": 95},
}
SINGLE = {
    **RESULT,
    "k": 1,
    "yi": [-0.4],
    "vi": [0.05],
    "study": ["SUSTAIN-1"],
    "leave1out_estimate": [None],
}


PRISMA = {
    "identified": {"ctgov": 46, "pubmed": 23},
    "records_screened": 69,
    "studies_included": 55,
    "awaiting_review": 6,
    "excluded_by_reason": {"not_interventional": 3},
}


def _section(tmp_path: Path, name: str, result: dict, spec: dict) -> AnalysisSection:
    data = tmp_path / f"{name}.csv"
    data.write_text("study,ai,bi,ci,di,source\n<script>alert(1)</script>,1,2,3,4,<b>posted</b>\n")
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(MetaResult.from_dict(result).to_dict()))
    figure = tmp_path / f"forest_{name}.png"
    figure.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    return load_analysis({"id": name, "title": name.title(), **spec}, data, path, figure)


def _inputs(tmp_path: Path, durability: bool = False) -> ReportInputs:
    section = _section(tmp_path, "a", RESULT, {})
    analyses = [section]
    if durability:
        analyses.append(_section(tmp_path, "relapse", SINGLE, {"section": "durability"}))
    return ReportInputs(
        protocol={"review": {"title": "Ketamine <em>review</em>"}, "meta": {"method": "REML"}},
        manifests={"ctgov": {"source": "transcribed snapshot", "api_version": "2.0.5"}},
        prisma=PRISMA,
        screening=[{"study_id": "NCT02417064", "decision": "include"}],
        coding=[
            {
                "nct_id": "NCT02417064",
                "drug": "esketamine",
                "route": "IN",
                "condition": "TRD",
                "psychotherapy": "no",
                "psychotherapy_type": "none",
                "design": "RCT",
                "comparator": "placebo",
                "evidence_route": "interventions[0].name: Esketamine nasal spray",
            }
        ],
        exclusions=[],
        analyses=analyses,
        key_findings=[("Response: RR 0.61 [0.41, 0.90] <from 2 studies>", "analysis-a")],
        input_files=[("a.csv", "0" * 64)],
        versions={"trialsynth": "0.1.0"},
    )


def test_untrusted_text_is_escaped(tmp_path: Path) -> None:
    html = render_report(_inputs(tmp_path))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>posted</b>" not in html
    assert "Ketamine &lt;em&gt;review&lt;/em&gt;" in html


def test_numbers_are_on_the_ratio_scale(tmp_path: Path) -> None:
    summary = summarise_result(MetaResult.from_dict(RESULT))
    assert summary["pooled"] == "0.61 [0.41, 0.90]"
    assert summary["prediction"] == "0.22 to 1.65"
    html = render_report(_inputs(tmp_path))
    assert "0.61 [0.41, 0.90]" in html
    assert "data:image/png;base64," in html
    assert '<img id="forest-a"' in html


def test_p_values_use_journal_rounding() -> None:
    summary = summarise_result(MetaResult.from_dict({**RESULT, "pval": 0.00002, "stat": -4.9}))
    assert summary["pval"] == "< 0.001"
    assert summary["test"] == "t = -4.90, df = 1"
    assert summarise_result(MetaResult.from_dict(RESULT))["pval"] == "0.012"


def test_the_answer_comes_first_and_links_to_its_section(tmp_path: Path) -> None:
    html = render_report(_inputs(tmp_path))
    assert html.index('id="key-findings"') < html.index('id="methods"')
    assert '<a href="#analysis-a">Response: RR 0.61 [0.41, 0.90] &lt;from 2 studies&gt;</a>' in html
    order = ["methods", "search", "prisma", "studies", "results", "durability", "sensitivity",
             "small-study", "sof", "gap", "claims", "software"]  # fmt: skip
    positions = [html.index(f'<section id="{name}">') for name in order]
    assert positions == sorted(positions)


def test_durability_section_says_plainly_when_there_is_none(tmp_path: Path) -> None:
    html = render_report(_inputs(tmp_path))
    assert "The protocol has no durability analysis" in html
    html = render_report(_inputs(tmp_path, durability=True))
    assert "The protocol has no durability analysis" not in html
    start, end = html.index('<section id="durability">'), html.index('<section id="sensitivity">')
    durability = html[start:end]
    assert 'id="analysis-relapse"' in durability
    assert "k = 1: a single study; nothing is pooled" in durability
    assert "prediction interval 0.22" not in durability


def test_render_is_deterministic(tmp_path: Path) -> None:
    assert render_report(_inputs(tmp_path)) == render_report(_inputs(tmp_path))


#: The page's "where every number came from" rows as the template wrote them before
#: AnalysisSection.source_rows built them (about 20 calls per row through Jinja's runtime).
CELL_BY_CELL_ROWS = (
    "{% for row in a.rows %}<tr><td>{{ a.labels.get(row.study, row.study) }}<br>"
    '<span class="muted">{{ row.study }}</span></td><td>'
    "{% for col in ['ai','bi','ci','di','m1i','sd1i','n1i','m2i','sd2i','n2i','xi','ni','yi','vi']"
    " if row.get(col) %}{{ col }} = {{ row[col] }}{{ '; ' if not loop.last }}{% endfor %}</td>"
    "<td>{{ row.get('source_kind', '') }}: {{ row.get('source', '') }}</td>"
    "<td>{{ row.get('corrections', '') }}{% if row.get('selection') %}<br>"
    '<span class="muted">{{ row.selection }}</span>{% endif %}</td></tr>\n{% endfor %}'
)


def test_source_rows_render_as_the_cell_by_cell_template(tmp_path: Path) -> None:
    """On the metafor reference datasets (every measure's columns), with labels, sources,
    corrections and selections holding markup, the page's rows equal the old template's."""
    from trialsynth.report.context import read_csv_records
    from trialsynth.report.render import template_environment

    reference = Path(__file__).parents[2] / "reference" / "metafor"
    template = Path(render_report.__code__.co_filename).parent / "templates" / "report.html"
    line = next(
        text
        for text in template.read_text().splitlines(keepends=True)
        if text.startswith("{% for s in a.source_rows() %}")
    )
    environment = template_environment()
    new, old = (
        environment.from_string(line + "{% endfor %}"),
        environment.from_string(CELL_BY_CELL_ROWS),
    )
    section = _section(tmp_path, "a", RESULT, {})
    cases = sorted(path for path in reference.iterdir() if (path / "data.csv").is_file())
    assert len(cases) > 20
    for number, case in enumerate(cases):
        rows = read_csv_records(case / "data.csv")
        for i, row in enumerate(rows):
            row["source_kind"] = ["posted", "", "<b>publication</b>"][i % 3]
            row["source"] = f"Table {i} & <i>p. {number}</i>"
            row["corrections"] = "" if i % 2 else "added 0.5 to <every> cell"
            if i % 4 == 0:
                row["selection"] = "arm 'A' > arm \"B\""
            if i % 5 == 0:
                row["yi"], row["vi"] = "-0.25", ""
            if i % 6 == 1:
                row["ni"] = "<40 & 'more'>"
        section.rows = rows
        section.labels = {rows[0]["study"]: "<em>Label</em> & co"} if rows else {}
        assert new.render(a=section) == old.render(a=section), case.name
