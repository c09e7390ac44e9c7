"""``trialsynth figures analysis`` (the workflow's one figure job per analysis) draws the same
files as ``figures forest`` and ``figures sensitivity``; the PNG resolution of tall figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialsynth.cli import main
from trialsynth.figures.save import (
    MAX_PNG_PIXELS,
    MIN_PNG_DPI,
    PNG_DPI,
    TALL_PNG_COMPRESSION,
    png_compression,
    png_dpi,
)

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


def _zlib_level_class(png: bytes) -> int:
    """FLEVEL of the first IDAT chunk's zlib header (RFC 1950): 1 for levels 2-5, 2 for 6."""
    start = png.index(b"IDAT") + 4
    assert png[start] == 0x78  # deflate, 32 KiB window
    return png[start + 1] >> 6


def test_tall_figures_are_compressed_faster_with_the_same_pixels(tmp_path: Path) -> None:
    import pandas as pd
    import plotnine as p9
    from PIL import Image

    from trialsynth.figures.save import save_figures

    assert png_compression(PNG_DPI) is None  # full resolution: PIL's default, bytes kept
    assert png_compression(PNG_DPI - 1) == TALL_PNG_COMPRESSION == 3
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [0.0, 5.0, 70.0]})
    base = p9.ggplot(frame, p9.aes("x", "y")) + p9.geom_point()
    save_figures(base + p9.theme(figure_size=(8.75, 72.0)), [tmp_path / "tall.png"])
    save_figures(base + p9.theme(figure_size=(4.0, 3.0)), [tmp_path / "small.png"])
    tall, small = ((tmp_path / f"{n}.png").read_bytes() for n in ("tall", "small"))
    assert _zlib_level_class(tall) == 1  # zlib levels 2-5
    assert _zlib_level_class(small) == 2  # zlib level 6, PIL's default
    with Image.open(tmp_path / "tall.png") as image:
        again = tmp_path / "again.png"
        image.save(again, format="png", compress_level=6)
        with Image.open(again) as default:
            assert image.size[1] > 9_000 and image.tobytes() == default.tobytes()


def test_each_format_is_laid_out_by_itself_whatever_is_saved_with_it(tmp_path: Path) -> None:
    """A figure is laid out in the draw of each format (with that format's text metrics): its
    PNG and SVG have the bytes they have when saved alone, in either order."""
    from trialsynth.figures.save import save_figures
    from trialsynth.figures.sensitivity import draw_leave_one_out
    from trialsynth.meta.result import MetaResult

    result = MetaResult.from_dict(
        {
            "k": 3, "yi": [0.1, 0.3, -0.2], "vi": [0.04, 0.05, 0.03], "estimate": 0.05,
            "ci_lb": -0.2, "ci_ub": 0.3, "study": ["A 2001", "B 2002", "C 2003"],
            "leave1out": {"estimate": [0.0, -0.02, 0.2], "ci_lb": [-0.3, -0.3, -0.1],
                          "ci_ub": [0.3, 0.26, 0.5]},
            "settings": {"measure": "SMD", "method": "REML", "test": "knha", "pi": "hts",
                         "level": 95},
        }
    )  # fmt: skip
    plot = draw_leave_one_out(result)
    for fmt in ("png", "svg"):
        save_figures(plot, [tmp_path / f"alone.{fmt}"])
    save_figures(plot, [tmp_path / "first.png", tmp_path / "first.svg"])
    save_figures(plot, [tmp_path / "last.svg", tmp_path / "last.png"])
    for fmt in ("png", "svg"):
        alone = (tmp_path / f"alone.{fmt}").read_bytes()
        assert (
            alone
            == (tmp_path / f"first.{fmt}").read_bytes()
            == (tmp_path / f"last.{fmt}").read_bytes()
        )


def test_the_figures_label_studies_from_the_tables_study_label_column(
    analysis: tuple[list[str], Path],
) -> None:
    """The author-year labels come with the analysis table (``study_label``, written by
    ``trialsynth outcomes --labels``); a row with an empty label keeps its ``study`` name."""
    import pandas as pd

    from trialsynth.figures.cli import table_labels

    common, folder = analysis
    data = pd.read_csv(common[common.index("--data") + 1], keep_default_na=False)
    data["study_label"] = ["Zed 2001", *[""] * (len(data) - 1)]
    table = folder / "labelled.csv"
    data.to_csv(table, index=False)
    assert table_labels(pd.read_csv(table)) == {str(data["study_id"][0]): "Zed 2001"}
    args = list(common)
    args[args.index("--data") + 1] = str(table)
    svg = folder / "labelled.svg"
    assert main(["figures", "forest", *args, "--out", str(svg)]) == 0
    text = svg.read_text(encoding="utf-8")
    assert "Zed 2001" in text and str(data["study"][1]) in text
