"""The durability figure: built from real sheet rows, deterministic, its layers equal its inputs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trialsynth.cli import main
from trialsynth.errors import InputError
from trialsynth.figures.durability import draw_durability, study_points
from trialsynth.tables import read_table

FIXTURE = Path(__file__).parents[2] / "fixtures" / "durability_figure"
WINDOWS = ("durability_4_35d", "durability_1_3m", "durability_6m_plus")


def _args(out: Path, decay: Path | None = None) -> list[str]:
    args = [
        "-q",
        "figures",
        "durability",
        "--decay",
        str(decay or FIXTURE / "durability_decay.csv"),
        str(FIXTURE / "durability_decay.json"),
        "--medians",
        str(FIXTURE / "median_times.csv"),
        "--by",
        "psychotherapy",
        "--out",
        str(out / "durability.png"),
        str(out / "durability.svg"),
        "--table",
        str(out / "durability.csv"),
    ]
    args += ["--window-data", *(str(FIXTURE / f"{w}.csv") for w in WINDOWS)]
    args += ["--window-result", *(str(FIXTURE / f"{w}.json") for w in WINDOWS)]
    return args


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    assert main(_args(first)) == 0
    assert main(_args(second)) == 0
    return first, second


def test_png_and_svg_bytes_identical_across_runs(drawn: tuple[Path, Path]) -> None:
    first, second = drawn
    for name in ("durability.png", "durability.svg", "durability.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "durability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_is_saved_at_300_dpi_by_the_shared_saver(drawn: tuple[Path, Path]) -> None:
    png = (drawn[0] / "durability.png").read_bytes()
    phys = png.index(b"pHYs") + 4
    # 300 dpi = 11811 pixels per metre in both directions (figures.save.PNG_DPI).
    assert int.from_bytes(png[phys : phys + 4], "big") == 11811
    assert int.from_bytes(png[phys + 4 : phys + 8], "big") == 11811
    width = int.from_bytes(png[16:20], "big")
    assert width == 8 * 300  # figure_size 8 inches wide


def test_a_decay_table_without_counts_is_refused(tmp_path: Path) -> None:
    table = read_table(FIXTURE / "durability_decay.csv", "meta_input")
    with pytest.raises(InputError, match=r"no column\(s\) xi, ni"):
        study_points(table.drop(columns=["xi", "ni"]), "psychotherapy", path=tmp_path)


def test_svg_keeps_text_editable(drawn: tuple[Path, Path]) -> None:
    svg = (drawn[0] / "durability.svg").read_text()
    assert "<text" in svg
    assert "Proportion still benefiting" in svg
    assert "Days since the last dose (log scale)" in svg


def test_table_holds_the_drawn_numbers(drawn: tuple[Path, Path]) -> None:
    table = read_table(drawn[0] / "durability.csv", "durability_figure")
    studies = table[table["element"] == "study"].set_index("label")
    # Shiroma 2014: 5 of 11 still responding at 28 days (sheet row 6).
    assert studies.loc["Shiroma 2014 [no, 28 d]", "proportion"] == pytest.approx(5 / 11)
    assert studies.loc["Shiroma 2014 [no, 28 d]", "n"] == 11
    # Krupitsky 1997: 73 of 111 abstinent at 365 days; n is the table's ni.
    assert studies.loc["Krupitsky 1997 [yes, 365 d]", "n"] == 111
    # Vande Voort 2016: 5 of 5 (sheet row 28). Its logit carries a zero-cell addition, so n
    # recovered from yi and vi would be 6; the figure draws the counted 5.
    assert studies.loc["Vande Voort 2016 [no, 28 d]", "n"] == 5
    # Wald CI on the logit scale, back-transformed: expit(yi -/+ 1.96 sqrt(vi)).
    yi, vi = math.log(73 / 38), 1 / 73 + 1 / 38
    lower = 1 / (1 + math.exp(-(yi - 1.959963984540054 * math.sqrt(vi))))
    assert studies.loc["Krupitsky 1997 [yes, 365 d]", "ci_lb"] == pytest.approx(lower, rel=1e-9)
    windows = table[table["element"] == "window"]
    assert sorted(zip(windows["label"], windows["modality"], windows["k"], strict=True)) == [
        ("durability_1_3m", "no", 1),
        ("durability_1_3m", "yes", 1),
        ("durability_4_35d", "no", 2),
        ("durability_4_35d", "yes", 2),
        ("durability_6m_plus", "yes", 1),
    ]
    # A window with one study pools nothing: its estimate is the study's 23/41.
    one = windows[(windows["label"] == "durability_1_3m") & (windows["modality"] == "no")]
    assert one["proportion"].iloc[0] == pytest.approx(23 / 41)
    model = table[table["element"] == "model"]
    assert sorted(model["horizon_days"]) == [18, 18, 180, 180]
    medians = table[table["element"] == "median"]
    assert dict(zip(medians["label"], medians["horizon_days"], strict=True)) == {
        "Murrough 2013": 18.0,
        "Feder 2021": 27.5,
        "Diamond 2014": 70.0,
        "Wilkinson 2017": 84.0,
    }


def _layer(plot: object, geom: str, column: str) -> pd.DataFrame:
    layers = [
        layer._data
        for layer in plot.layers  # type: ignore[attr-defined]
        if type(layer.geom).__name__ == geom and column in layer._data.columns
    ]
    assert layers, f"no {geom} layer with {column}"
    return layers[0]


def test_plotted_points_equal_the_input() -> None:
    import argparse

    from trialsynth.figures.durability_cli import build_data, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(_args(Path("/nonexistent"))[2:])  # after "-q figures"
    data, decay = build_data(args)
    plot = draw_durability(data)
    decay_table = read_table(FIXTURE / "durability_decay.csv", "meta_input")
    points = _layer(plot, "geom_point", "n")
    expected = 1 / (1 + np.exp(-decay_table["yi"].to_numpy(dtype=float)))
    np.testing.assert_allclose(points["proportion"].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(
        points["horizon_days"].to_numpy(), decay_table["horizon_days"].to_numpy(dtype=float)
    )
    # The curve passes through the model's stated predictions at 18 and 180 days.
    curve = _layer(plot, "geom_line", "proportion")
    for prediction in decay.predictions or []:
        level = curve[curve["modality"] == prediction["psychotherapy"]]
        days = level["horizon_days"].to_numpy()
        if days.min() <= prediction["horizon_days"] <= days.max():
            value = np.interp(np.log(prediction["horizon_days"]), np.log(days), level["proportion"])
            assert value == pytest.approx(prediction["pred"], abs=0.01)
    # Each modality's curve spans only its own horizons (no extrapolation).
    spans = curve.groupby("modality")["horizon_days"].agg(["min", "max"])
    assert spans.loc["no"].tolist() == pytest.approx([28.0, 56.0])
    assert spans.loc["yes"].tolist() == pytest.approx([28.0, 365.0])


def test_empty_input_draws_a_figure_that_says_no_data(tmp_path: Path) -> None:
    empty = tmp_path / "durability_decay.csv"
    header = (FIXTURE / "durability_decay.csv").read_text().splitlines()[0]
    empty.write_text(header + "\n")
    result = tmp_path / "durability_decay.json"
    meta = ["-q", "meta", "--data", str(empty), "--measure", "GEN", "--allow-empty"]
    assert main([*meta, "--out", str(result)]) == 0
    svg, table = tmp_path / "empty.svg", tmp_path / "empty.csv"
    args = [
        "-q",
        "figures",
        "durability",
        "--decay",
        str(empty),
        str(result),
        "--by",
        "psychotherapy",
    ]
    assert main([*args, "--out", str(svg), "--table", str(table)]) == 0
    text = svg.read_text()
    assert "No durability data: No decay curve:" in text
    assert pd.read_csv(table).empty


def test_bad_row_names_the_file_and_row(tmp_path: Path) -> None:
    bad = tmp_path / "durability_decay.csv"
    lines = (FIXTURE / "durability_decay.csv").read_text().splitlines()
    lines[2] = lines[2].replace(",28,no,", ",0,no,")  # a horizon of 0 days has no log
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"Vande Voort 2016.*horizon_days=0") as err:
        study_points(read_table(bad, "meta_input"), "psychotherapy", path=bad)
    assert "row 3" in str(err.value) and str(bad) in str(err.value)


def test_missing_modality_column_is_an_error() -> None:
    table = read_table(FIXTURE / "durability_decay.csv", "meta_input")
    with pytest.raises(InputError, match="no column"):
        study_points(table.drop(columns=["psychotherapy"]), "psychotherapy")


def test_the_interval_quantile_is_scipys_normal_quantile() -> None:
    """_crit gives scipy.stats.norm.ppf's number bit for bit (without importing stats)."""
    from scipy import stats

    from trialsynth.figures.durability_data import _crit

    for level in [50.0, 80.0, 90.0, 95.0, 99.0, 99.9, *(50 + i * 0.37 for i in range(135))]:
        assert _crit(level) == float(stats.norm.ppf(1 - (1 - level / 100) / 2)), level
