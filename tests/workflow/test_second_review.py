"""A second review runs with no code change: the workflow pointed at
examples/psilocybin-depression (its own protocol, codebook, extraction sheet and empty snapshot)
builds its own report under results/<review id>/, and its pooled SMD equals R metafor's on the
same rows of the Metapsy dataset (tests/reference/psilocybin/, computed by make_expected.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from workflow_support import run_snakemake, stage_project

REPO = Path(__file__).resolve().parents[2]
REVIEW = "examples/psilocybin-depression"
RESULTS = Path("results/psilocybin-depression")
EXPECTED = json.loads((REPO / "tests/reference/psilocybin/expected.json").read_text())
pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = stage_project(tmp_path_factory.mktemp("second-review"), review=(REVIEW,))
    run = run_snakemake(root, "--config", f"analysis_dir={REVIEW}")
    assert run.returncode == 0, run.stderr[-4000:]
    return root


def test_pooled_smd_equals_metafor(project: Path) -> None:
    result = json.loads(
        (project / RESULTS / "reports/tables/depression_posttest_smd.json").read_text()
    )
    assert result["settings"]["measure"] == "SMD"
    assert result["k"] == EXPECTED["k"] == 14
    for key in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "Q"):
        assert result[key] == pytest.approx(EXPECTED[key], rel=1e-6, abs=1e-9), key


def test_the_analysis_rows_are_the_reference_studies(project: Path) -> None:
    table = (project / RESULTS / "data/processed/analyses/depression_posttest_smd.csv").read_text()
    labels = sorted(line.split(" (NCT")[0] for line in table.splitlines()[1:])
    assert labels == sorted(EXPECTED["studies"])


def test_the_report_is_the_second_reviews_own(project: Path) -> None:
    html = (project / RESULTS / "reports/report.html").read_text(encoding="utf-8")
    assert "Metapsy" in html  # every pooled number names its source row
    assert "Goodwin 2022" in html
    # The default review's output folders are not touched by another review's run.
    assert not (project / "reports").exists()
    assert not (project / "data/processed").exists()


def test_second_run_has_nothing_to_do(project: Path) -> None:
    dry = run_snakemake(project, "-n", "--config", f"analysis_dir={REVIEW}")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing to be done" in dry.stdout + dry.stderr
