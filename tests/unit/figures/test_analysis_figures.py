"""``trialsynth figures analysis`` (the workflow's one figure job per analysis) draws the same
files as ``figures forest`` and ``figures sensitivity``; the PNG resolution of tall figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialsynth.cli import main
from trialsynth.figures.save import MAX_PNG_PIXELS, MIN_PNG_DPI, PNG_DPI, png_dpi

REPO = Path(__file__).parents[3]
PROTOCOL = REPO / "analysis" / "protocol.yaml"
PIPELINE = REPO / "tests" / "reference" / "pipeline"


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    """The options naming one shipped analysis (table, protocol entry, pooled result)."""
    folder = tmp_path_factory.mktemp("analysis")
    analysis_id = "response_day28"
    common = ["--protocol", str(PROTOCOL), "--analysis", analysis_id]
    common += ["--data", str(PIPELINE / f"{analysis_id}.csv")]
    result = folder / "result.json"
    assert main(["meta", *common, "--out", str(result)]) == 0
    return [*common, "--result", str(result)], folder


def test_one_job_draws_the_files_of_the_forest_and_sensitivity_commands(
    analysis: tuple[list[str], Path],
) -> None:
    common, folder = analysis
    one, two = folder / "one", folder / "two"
    forest = ["forest.png", "forest.svg"]
    assert main(["figures", "analysis", *common, "--out", *[str(one / f) for f in forest],
                 "--out-dir", str(one / "sensitivity")]) == 0  # fmt: skip
    assert main(["figures", "forest", *common, "--out", *[str(two / f) for f in forest]]) == 0
    data_and_result = common[common.index("--data") :]
    assert main(["figures", "sensitivity", *data_and_result,
                 "--out-dir", str(two / "sensitivity")]) == 0  # fmt: skip
    drawn = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert drawn == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for name in drawn:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    index = json.loads((one / "sensitivity" / "index.json").read_text())
    assert index["leave1out"] == {"files": ["leave1out.png", "leave1out.svg"]}
    png = (one / "forest.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[25] == 2  # IHDR colour type 2: RGB


def test_tall_figures_get_a_lower_png_resolution_within_the_pixel_budget() -> None:
    assert png_dpi(8.75, 4.0) == PNG_DPI  # a forest of a few studies: print quality
    assert png_dpi(13.0, 13.0) == PNG_DPI
    tall = png_dpi(8.75, 72.0)  # a forest of some 350 studies
    assert MIN_PNG_DPI < tall < PNG_DPI
    assert 8.75 * 72.0 * tall**2 <= MAX_PNG_PIXELS < 8.75 * 72.0 * (tall + 1) ** 2
    assert png_dpi(8.75, 400.0) == MIN_PNG_DPI  # legible text before the pixel budget
    assert png_dpi(8.75, 900.0) * 900.0 <= 60_000  # and within matplotlib's largest image
