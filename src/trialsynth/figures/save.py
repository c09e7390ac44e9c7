"""Saving figures: PNG at 300 dpi and SVG with editable text, byte-identical across runs.

Matplotlib writes a creation date and its version into PNG/SVG/PDF metadata and salts SVG ids
randomly; both are switched off so that the same inputs give the same bytes. SVG text is kept
as ``<text>`` elements (``svg.fonttype = "none"``) so a journal's editor can change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError
from trialsynth.tables import atomic_path

#: Resolution of PNG figures (journal print quality).
PNG_DPI = 300
#: Largest height in pixels of a saved figure (matplotlib's limit is 2**16).
MAX_PIXELS = 60_000
SUPPORTED_FORMATS = ("png", "svg", "pdf")

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


def save_figure(plot: Any, path: str | Path) -> None:
    """Save a plotnine figure atomically and deterministically (format from the suffix)."""
    save_figures(plot, [path])


def save_figures(plot: Any, paths: Sequence[str | Path]) -> None:
    """Save one plotnine figure in every format of ``paths`` (PNG, SVG, PDF), each atomically.

    The figure is built once and written in each format: building it (plotnine computing every
    layer, matplotlib laying out every text) costs as much as writing it, and a forest plot of
    hundreds of studies holds thousands of texts. The bytes are those of saving each format on
    its own (``plotnine.ggplot.save``: same resolution, same matplotlib settings).
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
    # A forest of hundreds of studies is taller than plotnine's 25-inch guard and, at 300 dpi,
    # than the largest PNG matplotlib writes (2**16 pixels): lower the resolution instead.
    height = float(plot.theme.getp("figure_size")[1])
    dpi = min(PNG_DPI, int(MAX_PIXELS / height))
    with matplotlib.rc_context(settings):  # type: ignore[arg-type]
        figure = plot.save_helper(dpi=dpi, verbose=False, limitsize=False).figure
        # written under the theme's matplotlib settings, as ggplot.save writes
        with matplotlib.rc_context(plot.theme.rcParams):
            for path, fmt in targets:
                with atomic_path(path) as tmp:
                    figure.savefig(str(tmp), format=fmt, metadata=_METADATA[fmt])
