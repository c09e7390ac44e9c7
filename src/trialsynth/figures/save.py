"""Saving figures: PNG and SVG with editable text, byte-identical across runs.

Matplotlib writes a creation date and its version into PNG/SVG/PDF metadata and salts SVG ids
randomly; both are switched off so that the same inputs give the same bytes. SVG text is kept
as ``<text>`` elements (``svg.fonttype = "none"``) so a journal's editor can change it.

Resolution: PNG figures are drawn at :data:`PNG_DPI` (300 dpi, journal print quality) unless
that would make more than :data:`MAX_PNG_PIXELS` pixels. A forest or leave-one-out plot of
hundreds of studies is tens of inches tall: 300 dpi would make a PNG of some 60 million pixels
(seconds to rasterise and encode, megabytes in the one-file report) that nobody reads at that
size. Such a figure is drawn at the largest whole dpi within the pixel count (never below
:data:`MIN_PNG_DPI`, nor above matplotlib's 2**16-pixel height); its SVG stays vector, with
every text, at full detail. Figures of up to about 13 x 13 inches (every figure of a review
of tens of studies) stay at 300 dpi.

The PNG is opaque RGB (every figure has a white background; an alpha channel that is 255
everywhere only costs encoding time and bytes). A figure drawn below :data:`PNG_DPI` (one over
the pixel budget) is compressed at zlib level :data:`TALL_PNG_COMPRESSION` instead of PIL's
default 6: its ~16 million pixels are mostly white rows, which level 3 encodes a third faster
and into fewer bytes (the 347-study forest at 10k: 0.49 -> 0.33 s, 2.65 -> 2.37 MB); the
pixels are the same, and figures at full resolution keep their bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError
from trialsynth.tables import atomic_path

#: Resolution of PNG figures (journal print quality).
PNG_DPI = 300
#: Most pixels (width x height) of a saved PNG before its resolution is lowered.
MAX_PNG_PIXELS = 16_000_000
#: Lowest resolution a large figure is lowered to (7-point text stays legible on screen).
MIN_PNG_DPI = 100
#: Largest height in pixels of a saved figure (matplotlib's limit is 2**16).
MAX_PIXELS = 60_000
SUPPORTED_FORMATS = ("png", "svg", "pdf")
#: zlib level of a PNG drawn below PNG_DPI (PIL's default, 6, for the others).
TALL_PNG_COMPRESSION = 3

_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def figure_format(path: Path) -> str:
    """The format named by a file's suffix; :class:`InputError` for an unsupported one."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in SUPPORTED_FORMATS:
        raise InputError(
            f"unsupported figure format {fmt!r}", path=path, hint="use .png, .svg or .pdf"
        )
    return fmt


def png_dpi(width: float, height: float) -> int:
    """The PNG resolution of a ``width`` x ``height`` inch figure (see the module docstring)."""
    dpi = PNG_DPI
    if width * height * dpi * dpi > MAX_PNG_PIXELS:
        dpi = max(int(math.sqrt(MAX_PNG_PIXELS / (width * height))), MIN_PNG_DPI)
    return min(dpi, int(MAX_PIXELS / height))


def png_compression(dpi: int) -> int | None:
    """The zlib level of a PNG drawn at ``dpi``: :data:`TALL_PNG_COMPRESSION` below
    :data:`PNG_DPI`, else ``None`` (PIL's default); see the module docstring."""
    return TALL_PNG_COMPRESSION if dpi < PNG_DPI else None


def save_figure(plot: Any, path: str | Path) -> None:
    """Save a plotnine figure atomically and deterministically (format from the suffix)."""
    save_figures(plot, [path])


def save_figures(plot: Any, paths: Sequence[str | Path]) -> None:
    """Save one plotnine figure in every format of ``paths`` (PNG, SVG, PDF), each atomically.

    The figure is built and laid out once, then drawn once per format. Building it (plotnine
    computing every layer) and laying it out (matplotlib measuring every text) cost as much as
    drawing it, and a forest plot of hundreds of studies holds thousands of texts;
    ``Figure.savefig`` alone would lay the figure out again (a full draw without output)
    before drawing each format. The layout is plotnine's (its layout engine, run in the
    draw of each format, with that format's text metrics).
    """
    import matplotlib

    targets = [(Path(path), figure_format(Path(path))) for path in paths]
    if not targets:
        return
    settings: dict[str, Any] = {
        "svg.hashsalt": "trialsynth",
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
    }
    width, height = (float(v) for v in plot.theme.getp("figure_size"))
    dpi = png_dpi(width, height)
    # A figure drawn once keeps state from that draw that can move a later PNG's layout by a
    # pixel: the PNG is drawn first, so each file has the bytes it has when saved alone.
    targets.sort(key=lambda target: target[1] != "png")
    with matplotlib.rc_context(settings):  # type: ignore[arg-type]
        figure = plot.save_helper(dpi=dpi, verbose=False, limitsize=False).figure
        # written under the theme's matplotlib settings, as ggplot.save writes
        with matplotlib.rc_context(plot.theme.rcParams):
            for path, fmt in targets:
                with atomic_path(path) as tmp:
                    if fmt == "png":
                        _write_png(figure, tmp, dpi)
                    elif fmt == "svg":
                        _write_svg(figure, tmp)
                    else:
                        figure.savefig(str(tmp), format=fmt, metadata=_METADATA[fmt])


def _write_png(figure: Any, path: Path, dpi: int) -> None:
    """Draw ``figure`` with Agg (laying it out in the same draw) and write it as an opaque
    (RGB) PNG at ``dpi``.

    The bytes hold no text chunk (no software name or date) and the resolution in the pHYs
    chunk, as ``Figure.savefig`` writes them, with three channels instead of four (and zlib
    level :func:`png_compression` below full resolution); the pixels are those
    ``Figure.savefig`` draws. Texts are drawn from kept shapings and glyph bitmaps
    (:mod:`trialsynth.figures.agg_text`: the same pixels at a fraction of the cost).
    """
    from PIL import Image

    from trialsynth.figures.agg_text import CachedTextCanvas

    canvas = CachedTextCanvas(figure)
    figure.set_dpi(dpi)
    canvas.draw()
    rgba = Image.frombuffer(
        "RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    )
    options: dict[str, Any] = {"dpi": (dpi, dpi)}
    if (level := png_compression(dpi)) is not None:
        options["compress_level"] = level
    rgba.convert("RGB").save(path, format="png", **options)


def _write_svg(figure: Any, path: Path) -> None:
    """Draw ``figure`` as SVG (laid out with the SVG renderer's text metrics in the same draw);
    the bytes are those of ``Figure.savefig``."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    dpi = figure.dpi
    try:
        FigureCanvasSVG(figure).print_svg(str(path), metadata=_METADATA["svg"])
    finally:
        figure.set_dpi(dpi)  # print_svg leaves the figure at its 72 dpi
