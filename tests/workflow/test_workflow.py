"""The whole DAG, run by Snakemake on the shipped snapshot in a scratch copy of the project.

Checks the report is produced, a second run has nothing to do, and a forced rerun gives
byte-identical tables and figures (deterministic outputs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from workflow_support import output_digests, run_snakemake, stage_project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = stage_project(tmp_path_factory.mktemp("project"))
    run = run_snakemake(root)
    assert run.returncode == 0, run.stderr[-4000:]
    return root


def test_report_is_built_from_the_shipped_snapshot(project: Path) -> None:
    html = (project / "reports" / "report.html").read_text(encoding="utf-8")
    assert "transcribed" in html  # the manifest's source is shown in the provenance block
    assert "NCT02417064" in html  # TRANSFORM-1, a source of the day-28 response analysis
    protocol = yaml.safe_load((project / "analysis/protocol.yaml").read_text())
    for analysis_id in [analysis["id"] for analysis in protocol["analyses"]]:
        result = json.loads((project / "reports/tables" / f"{analysis_id}.json").read_text())
        assert result["k"] >= 1, analysis_id
        assert (project / "reports/figures" / f"forest_{analysis_id}.png").stat().st_size > 1000
    pooled = (project / "reports/tables/pooled_results.csv").read_text(encoding="utf-8")
    assert pooled.splitlines()[0].startswith("analysis,subgroup,outcome,measure,k,estimate")
    assert len(pooled.splitlines()) > len(protocol["analyses"])
    ris = (project / "reports/included_studies.ris").read_text(encoding="utf-8")
    assert ris.count("TY  - ") >= 55 and "AN  - PMID:" in ris


def test_second_run_has_nothing_to_do(project: Path) -> None:
    dry = run_snakemake(project, "-n")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_forced_rerun_is_byte_identical(project: Path) -> None:
    before = output_digests(project)
    # Everything downstream of the raw snapshot (the fetch rules would need the network).
    rerun = run_snakemake(project, "--forcerun", "parse_ctgov", "parse_pubmed", "code")
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    assert output_digests(project) == before


def test_pooled_results_equal_metafor(project: Path) -> None:
    expected_dir = REPO / "tests/reference/pipeline"
    expected = json.loads((expected_dir / "expected.json").read_text())
    for analysis_id, reference in expected.items():
        built = (project / "data/processed/analyses" / f"{analysis_id}.csv").read_text()
        assert built == (expected_dir / f"{analysis_id}.csv").read_text(), analysis_id
        result = json.loads((project / "reports/tables" / f"{analysis_id}.json").read_text())
        assert result["k"] == reference["k"]
        for key in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "Q"):
            assert result[key] == pytest.approx(reference[key], rel=1e-4, abs=1e-8), key


def test_snakemake_report_holds_every_figure_with_its_caption(project: Path) -> None:
    out = project / "snakemake_report.html"
    run = run_snakemake(project, "--report", str(out))
    assert run.returncode == 0, run.stderr[-4000:]
    html = out.read_text(encoding="utf-8")
    for caption in ("PRISMA 2020 flow diagram", "Forest plot of analysis", "Sensitivity figures"):
        assert caption in html, caption
    assert "prisma_flow.png" in html and "forest_response_day28.png" in html
