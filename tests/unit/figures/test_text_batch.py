"""Text drawn in batches (figures/text_batch.py): the same bytes as one ``Text`` per row, and
every study label on its row in the saved forest and leave-one-out SVGs."""

from __future__ import annotations

import itertools
import re
import statistics
from pathlib import Path

import pandas as pd
import plotnine as p9
import pytest

from trialsynth.figures.forest import draw_forest, forest_layout
from trialsynth.figures.save import save_figures
from trialsynth.figures.sensitivity import draw_leave_one_out
from trialsynth.figures.text_batch import geom_text_batch
from trialsynth.meta.result import MetaResult

#: Labels of every kind a figure prints: plain, right-aligned numbers, Unicode (τ², I²,
#: ellipsis), an empty cell, a mathtext label and a two-line one (drawn by Text.draw).
LABELS = ["Study", "-0.29 [-0.52, -0.05]", "τ² = 0.12; I² = 34%", "Müller 2019…", "", "g",
          "$x^2$", "two\nlines", "0.3%", "AVÉ 1999 (É, ſ)"]  # fmt: skip


def _labels_plot(geom: type, ha: str, va: str, weight: str) -> object:
    frame = pd.DataFrame(
        {"x": [0.3 * (i % 3) for i in range(len(LABELS))], "y": range(len(LABELS)), "label": LABELS}
    )
    return (
        p9.ggplot(frame, p9.aes("x", "y", label="label"))
        + geom(ha=ha, va=va, size=7, fontweight=weight)
        + p9.coord_cartesian(xlim=(-1, 2), ylim=(-1, len(LABELS)))
        + p9.theme_void()
        + p9.theme(figure_size=(3, 3))
    )


@pytest.mark.parametrize(
    ("ha", "va", "weight"),
    [
        ("left", "center_baseline", "normal"),
        ("right", "center_baseline", "bold"),
        ("center", "center", "normal"),
        ("right", "baseline", "normal"),
        ("left", "top", "bold"),
    ],
)
def test_a_batch_draws_the_bytes_of_one_text_per_row(
    tmp_path: Path, ha: str, va: str, weight: str
) -> None:
    """PNG and SVG bytes of geom_text_batch equal those of plotnine's geom_text."""
    for name, geom in (("text", p9.geom_text), ("batch", geom_text_batch)):
        plot = _labels_plot(geom, ha, va, weight)
        save_figures(plot, [tmp_path / f"{name}.png", tmp_path / f"{name}.svg"])
    for fmt in ("png", "svg"):
        assert (tmp_path / f"batch.{fmt}").read_bytes() == (tmp_path / f"text.{fmt}").read_bytes()


def _result(k: int) -> MetaResult:
    """A fitted model of ``k`` studies with distinct effects and leave-one-out refits."""
    yi = [0.05 * ((7 * i) % 13) - 0.3 for i in range(k)]
    return MetaResult.from_dict(
        {
            "k": k, "yi": yi, "vi": [0.02 + 0.002 * (i % 5) for i in range(k)],
            "estimate": 0.0, "ci_lb": -0.1, "ci_ub": 0.1, "tau2": 0.01,
            "study": [f"Author{i} {2000 + i % 20}" for i in range(k)],
            "leave1out": {"estimate": [v / k for v in yi], "ci_lb": [v / k - 0.1 for v in yi],
                          "ci_ub": [v / k + 0.1 for v in yi]},
            "settings": {"measure": "SMD", "method": "REML", "test": "knha", "pi": "hts",
                         "level": 95},
        }
    )  # fmt: skip


_TEXT = re.compile(r'<text style="([^"]*)" x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)</text>')
_MARK = re.compile(r'<use xlink:href="#\w+" x="[-\d.]+" y="([-\d.]+)"')
#: A square drawn as a closed path of four corners (markers of different sizes).
_SQUARE = re.compile(r'<path d="M [-\d.]+ ([-\d.]+) \nL [-\d.]+ [-\d.]+ \nL [-\d.]+ ([-\d.]+) ')


def _svg(plot: object, path: Path) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Save ``plot`` as SVG: each text's baseline y by its label, and the centres (y) of the
    markers of each group (``PathCollection_1``, ``line2d_3``, ...; display points, y
    downwards)."""
    save_figures(plot, [path])
    svg = path.read_text(encoding="utf-8")
    texts = {label: float(y) for _, _, y, label in _TEXT.findall(svg)}
    marks: dict[str, list[float]] = {}
    for chunk in svg.split('<g id="')[1:]:
        group = chunk.split('"', 1)[0]
        ys = [float(y) for y in _MARK.findall(chunk)]
        ys += [(float(top) + float(bottom)) / 2 for top, bottom in _SQUARE.findall(chunk)]
        if ys:
            marks[group] = ys
    return texts, marks


def _assert_on_rows(labels: list[str], texts: dict[str, float], rows: list[float]) -> None:
    """The i-th label's baseline sits on the i-th row: the same small distance below the
    row's centre for every row (under a fifth of the row pitch apart), top down."""
    pitch = statistics.median(b - a for a, b in itertools.pairwise(rows))
    assert pitch > 0, "rows are drawn top down"
    offsets = [texts[label] - row for label, row in zip(labels, rows, strict=True)]
    typical = statistics.median(offsets)
    assert 0 <= typical < pitch / 2  # the baseline is a little below the row's centre
    for label, offset in zip(labels, offsets, strict=True):
        assert abs(offset - typical) < pitch / 5, label


@pytest.mark.parametrize("k", [6, 120])
def test_forest_labels_and_cells_sit_on_their_studys_row(tmp_path: Path, k: int) -> None:
    """Each study's label and printed estimate are on the row of its square (SVG)."""
    result = _result(k)
    layout = forest_layout(result)
    texts, marks = _svg(draw_forest(layout), tmp_path / "forest.svg")
    squares = marks["PathCollection_1"]  # one square per study, top down
    labels = [row.label for row in layout.studies]
    assert len(set(labels)) == k
    _assert_on_rows(labels, texts, squares)
    estimates = {f"{r.yi:.2f}" for r in layout.studies}
    printed = [t for t in texts if t.split(" [")[0] in estimates and t.endswith("]")]
    assert len(printed) == len({t for t in printed})  # each drawn once


@pytest.mark.parametrize("k", [6, 120])
def test_leave_one_out_labels_sit_on_their_rows(tmp_path: Path, k: int) -> None:
    """Each "without <study>" label is on the row of that study's refit (its square) and has
    a tick of its own."""
    result = _result(k)
    names = list(result.study)
    texts, marks = _svg(draw_leave_one_out(result, names), tmp_path / "loo.svg")
    squares = marks["PathCollection_1"]
    ticks = next(ys for group, ys in marks.items() if group.startswith("line2d") and len(ys) == k)
    labels = [f"without {name}" for name in names]
    _assert_on_rows(labels, texts, squares)
    assert ticks == pytest.approx(squares)
