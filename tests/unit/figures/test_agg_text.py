"""Raster text from kept shapings and glyph bitmaps (:mod:`trialsynth.figures.agg_text`) has
matplotlib's Agg pixels, bit for bit, and reuses what it keeps."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from trialsynth.figures import agg_text
from trialsynth.figures.agg_text import CachedTextCanvas, cache_sizes, clear_cache


def _figure(dpi: float) -> Figure:
    """Texts of a forest plot's kinds at fractional positions: numbers, labels with an
    ellipsis, bold headers, every alignment, several sizes, a two-line text, a superscript,
    plus texts drawn by matplotlib's own code (rotated, mathtext, aliased)."""
    figure = Figure(figsize=(4.3, 6.1), dpi=dpi)
    axes = figure.add_axes((0.1, 0.1, 0.8, 0.8))
    axes.plot([0, 1], [0, 1])
    axes.set_xticks([0.0, 0.5, 1.0], ["0.5", "1", "2"])
    for row in range(40):
        y = 0.012 + row * 0.0247
        axes.text(0.013 * row, y, f"Study {row} 20{row:02d} (a long arm label)…", fontsize=7)
        axes.text(0.61, y, f"{row * 7.31:.2f} [{row * 0.7:.2f}, {row * 9.1:.2f}]", ha="right")
        axes.text(0.8, y, f"{100 / (row + 1):.1f}%", ha="center", fontsize=6.4, va="top")
        axes.text(0.95, y, "I² = 37%", ha="left", fontweight="bold", fontsize=8)
    figure.text(0.5, 0.97, "Title line\nsecond line", ha="center", fontweight="bold")
    figure.text(0.02, 0.5, "rotated", rotation=90)
    figure.text(0.3, 0.02, r"$\tau^2$ = 0.04")
    aliased = figure.text(0.6, 0.02, "aliased text")
    aliased.set_antialiased(False)
    return figure


def _pixels(canvas: FigureCanvasAgg) -> np.ndarray:
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("dpi", [72, 149, 300])
def test_the_pixels_are_matplotlibs(dpi: float) -> None:
    clear_cache()
    expected = _pixels(FigureCanvasAgg(_figure(dpi)))
    first = _pixels(CachedTextCanvas(_figure(dpi)))  # shaped and rendered
    again = _pixels(CachedTextCanvas(_figure(dpi)))  # every text from the cache
    assert np.array_equal(first, expected)
    assert np.array_equal(again, expected)


def test_repeated_texts_are_shaped_once_and_glyphs_rendered_per_subpixel_position() -> None:
    clear_cache()
    figure = Figure(figsize=(3.0, 20.0), dpi=149)
    for row in range(100):  # rows 0.2 in apart: few distinct 1/64-pixel fractions
        figure.text(0.1, row / 100, "12.5 [3.25, 40.75]")
    _pixels(CachedTextCanvas(figure))
    shapes, bitmaps = cache_sizes()
    assert shapes == 1
    glyphs = len("12.5 [3.25, 40.75]") - 2  # spaces render no glyph of their own
    assert bitmaps < glyphs * 100 / 5


def test_a_full_cache_is_emptied_and_drawing_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cache()
    monkeypatch.setattr(agg_text, "MAX_ENTRIES", 5)
    expected = _pixels(FigureCanvasAgg(_figure(100)))
    assert np.array_equal(_pixels(CachedTextCanvas(_figure(100))), expected)
    assert max(cache_sizes()) <= 5
