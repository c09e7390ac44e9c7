"""The report escapes untrusted text, embeds figures and holds no wall-clock time."""

from __future__ import annotations

import json
from pathlib import Path

from trialsynth.meta.result import MetaResult
from trialsynth.report.context import load_analysis, summarise_result
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


def _inputs(tmp_path: Path) -> ReportInputs:
    data = tmp_path / "a.csv"
    data.write_text("study,ai,bi,ci,di,source\nx,1,2,3,4,<b>posted</b>\n")
    result = tmp_path / "a.json"
    result.write_text(json.dumps(MetaResult.from_dict(RESULT).to_dict()))
    figure = tmp_path / "forest_a.png"
    figure.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    section = load_analysis({"id": "a", "title": "Response"}, data, result, figure)
    return ReportInputs(
        protocol={"review": {"title": "Ketamine <em>review</em>"}, "meta": {"method": "REML"}},
        manifests={"ctgov": {"source": "transcribed snapshot", "api_version": "2.0.5"}},
        prisma={"records_identified": 46, "excluded_by_reason": {"not_interventional": 3}},
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
        analyses=[section],
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
    assert "not_interventional" in html


def test_render_is_deterministic(tmp_path: Path) -> None:
    assert render_report(_inputs(tmp_path)) == render_report(_inputs(tmp_path))
