"""Text layers of thousands of labels drawn as one artist per layer (plotnine ``geom_text``).

plotnine's ``geom_text`` creates one matplotlib ``Text`` artist per row (``Axes.text``): a
forest plot of 350 studies holds ~3,500 of them, and creating, sorting and laying out so many
artists costs more than drawing their glyphs. :class:`geom_text_batch` is ``geom_text`` whose
rows are drawn by one :class:`TextBatch` artist per run of rows of the same style. The artist
draws each row with one ``Text`` object moved from row to row (the flyweight pattern; Gamma
et al. 1994, *Design Patterns*), so every row goes through matplotlib's own ``Text.draw``:
the same anchor, alignment, font, colour and clipping, the same pixels in a PNG and the same
``<text>`` element (in its own ``text_N`` group) in an SVG, as a ``Text`` artist per row.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.text import Text
from matplotlib.transforms import Bbox, ScaledTranslation, blended_transform_factory
from plotnine import geom_text

#: matplotlib's marker of a y tick drawn left of the axis (``matplotlib.markers.TICKLEFT``).
TICK_LEFT = 0

#: The aesthetics that make a text's style (besides its position and label), with the
#: ``Text`` property each sets; rows of one batch share them.
_STYLE = {
    "alpha": "alpha",
    "angle": "rotation",
    "size": "fontsize",
    "lineheight": "linespacing",
    "ha": "horizontalalignment",
    "va": "verticalalignment",
    "family": "family",
    "fontweight": "fontweight",
    "fontstyle": "fontstyle",
    "fontvariant": "fontvariant",
}


class TextBatch(Artist):
    """Many texts of one style drawn as one artist.

    ``template`` is a ``Text`` with the style, transform and clipping of every row (never
    added to an axes itself); drawing places it at each ``(x, y)`` with its label in turn and
    calls ``Text.draw``, so each row is drawn exactly as a ``Text`` artist of its own.
    """

    def __init__(self, template: Text, rows: Iterable[tuple[float, float, str]]) -> None:
        super().__init__()
        self.template = template
        self.rows = [(float(x), float(y), str(label)) for x, y, label in rows]
        self.set_zorder(template.get_zorder())

    def draw(self, renderer: Any) -> None:
        """Draw every row as ``Text.draw`` draws a ``Text`` artist of its own.

        A row of one line without math, in a batch of unrotated texts without path effects,
        box or TeX, is drawn by the steps of ``Text.draw`` with what is the same for every row
        done once: the graphics context, the transform of all anchors (one array), and the
        layout (``Text._get_layout``: the offsets of the line from its anchor) once per
        distinct label. Any other row goes through ``Text.draw`` itself.
        """
        if not self.get_visible():
            return
        text = self.template
        if not self._plain_batch():
            for x, y, label in self.rows:
                self._draw_one(renderer, x, y, label)
            self.stale = False
            return
        anchors = text.get_transform().transform(
            np.array([(x, y) for x, y, _ in self.rows], dtype=float).reshape(-1, 2)
        )
        gid = text.get_gid()
        flip = renderer.flipy()
        _, canvas_height = renderer.get_canvas_width_height()
        prop = text.get_fontproperties()
        angle = text.get_rotation()
        offsets: dict[str, tuple[str, float, float]] = {}
        svg = _SvgTexts(_SvgTexts.target(renderer)) if _SvgTexts.target(renderer) else None
        gc = _text_gc(renderer, text)
        try:
            for (x, y, label), (posx, posy) in zip(self.rows, anchors, strict=True):
                if not label:
                    continue  # Text.draw draws nothing for an empty text
                line, ismath = text._preprocess_math(label)  # type: ignore[attr-defined]
                if ismath or "\n" in label or not (math.isfinite(posx) and math.isfinite(posy)):
                    self._draw_one(renderer, x, y, label)
                    continue
                offset = offsets.get(label)
                if offset is None:
                    text.set_text(label)
                    _, info, _ = text._get_layout(renderer)  # type: ignore[attr-defined]
                    _, _, (dx, dy) = info[0]
                    offset = offsets[label] = (line, dx, dy)
                line, dx, dy = offset
                draw_x = dx + posx
                draw_y = dy + posy
                if flip:
                    draw_y = canvas_height - draw_y
                if svg is not None and svg.write(gc, gid, line, posx, posy, draw_y, angle):
                    continue
                text.set_position((x, y))  # the anchor an SVG <text> is written at
                renderer.open_group("text", gid)
                if svg is not None:
                    svg.draw_first(gc, draw_x, draw_y, line, prop, angle, text)
                else:
                    renderer.draw_text(
                        gc, draw_x, draw_y, line, prop, angle, ismath=False, mtext=text
                    )
                renderer.close_group("text")
        finally:
            gc.restore()
        self.stale = False

    def _plain_batch(self) -> bool:
        """Whether the rows can be drawn without ``Text.draw`` (see :meth:`draw`)."""
        text = self.template
        return (
            text.get_rotation() == 0
            and not text.get_usetex()
            and not text.get_path_effects()
            and text.get_bbox_patch() is None
            and not text.get_wrap()
            and text.get_visible()
        )

    def _draw_one(self, renderer: Any, x: float, y: float, label: str) -> None:
        """Draw one row with ``Text.draw``."""
        text = self.template
        text.set_position((x, y))
        text.set_text(label)
        text.draw(renderer)

    def texts(self) -> list[Text]:
        """One ``Text`` per row, as a ``Text`` artist per row would be (for measuring the
        batch's extent; drawing never makes them)."""
        out = []
        for x, y, label in self.rows:
            text = Text(x, y, label)
            text.update_from(self.template)
            if (figure := self.template.get_figure(root=False)) is not None:
                text.set_figure(figure)
            text.set_transform(self.template.get_transform())
            text.set_clip_box(self.template.get_clip_box())
            out.append(text)
        return out

    def get_window_extent(self, renderer: Any = None) -> Bbox:
        """The union of the rows' extents (display units)."""
        boxes = [text.get_window_extent(renderer) for text in self.texts()]
        return Bbox.union(boxes) if boxes else Bbox.null()


class geom_text_batch(geom_text):  # noqa: N801 (plotnine's geom naming)
    """``geom_text`` drawn as one :class:`TextBatch` per run of rows of the same style.

    Takes the parameters and aesthetics of ``geom_text`` (no labels with boxes, path effects
    or text adjustment); rows are drawn in the order of the data, as ``geom_text`` draws
    them.
    """

    def draw_panel(self, data: Any, panel_params: Any, coord: Any, ax: Any) -> None:
        """Add the batches of one panel to ``ax``."""
        data = coord.transform(data, panel_params)
        colors = to_rgba_rows(data["color"], data["alpha"])
        styles = list(zip(*(data[name] for name in _STYLE), colors, strict=True))
        rows = list(zip(self._x(data), data["y"], data["label"], strict=True))
        for style, start, end in _runs(styles):
            template = _template(ax, dict(zip(_STYLE.values(), style[:-1], strict=True)))
            template.set_color(style[-1])
            template.set_zorder(self.params["zorder"])
            template.set_rasterized(self.params["raster"])
            ax.add_artist(self._batch(ax, template, rows[start:end]))

    def _x(self, data: Any) -> Any:
        """The rows' anchors on the x axis (data units)."""
        return data["x"]

    def _batch(self, ax: Any, template: Text, rows: list[tuple[float, float, str]]) -> TextBatch:
        """The artist drawing ``rows`` on ``ax`` in the style of ``template``."""
        return TextBatch(template, rows)


def to_rgba_rows(colors: Iterable[Any], alphas: Iterable[Any]) -> list[tuple[float, ...]]:
    """Each row's colour with its alpha (a missing alpha keeps the colour's own), as
    ``geom_text`` binds them."""
    return [
        to_rgba(color, None if alpha is None or math.isnan(alpha) else float(alpha))
        for color, alpha in zip(colors, alphas, strict=True)
    ]


def _runs(styles: Sequence[Hashable]) -> list[tuple[Any, int, int]]:
    """``(style, start, end)`` of each run of equal consecutive styles."""
    runs: list[tuple[Any, int, int]] = []
    for i, style in enumerate(styles):
        if runs and runs[-1][0] == style:
            runs[-1] = (style, runs[-1][1], i + 1)
        else:
            runs.append((style, i, i + 1))
    return runs


def _text_gc(renderer: Any, text: Text) -> Any:
    """The graphics context ``Text.draw`` sets up for ``text``."""
    gc = renderer.new_gc()
    gc.set_foreground(to_rgba(text.get_color()), isRGBA=True)
    gc.set_alpha(text.get_alpha())
    gc.set_url(text.get_url())
    gc.set_antialiased(text.get_antialiased())
    gc.set_snap(text.get_snap())
    text._set_gc_clip(gc)  # type: ignore[attr-defined]
    return gc


class _SvgTexts:
    """The ``<text>`` elements of one batch written straight to an SVG renderer's writer.

    ``RendererSVG.draw_text`` (``svg.fonttype: none``) writes, for each text, a clip group
    and a ``<text>`` whose style (font, size, weight, colour, anchor) depends only on what a
    batch's rows share, at the text's anchor moved to the drawn baseline, rotated by its
    angle. The first row is drawn by the renderer itself and its style kept; the other rows
    are written with the same style, clip group, numbers and format.
    """

    def __init__(self, renderer: Any) -> None:
        self.renderer = renderer
        self.style: str | None = None
        self.clip: dict[str, str] = {}

    @staticmethod
    def target(renderer: Any) -> Any:
        """The SVG renderer that ``renderer`` draws with (``savefig`` wraps it in a
        ``MixedModeRenderer``) when it writes text as ``<text>`` elements, else ``None``."""
        from matplotlib import rcParams
        from matplotlib.backends.backend_mixed import MixedModeRenderer
        from matplotlib.backends.backend_svg import RendererSVG

        if isinstance(renderer, MixedModeRenderer):
            renderer = renderer._renderer
        if isinstance(renderer, RendererSVG) and rcParams["svg.fonttype"] == "none":
            return renderer
        return None

    def draw_first(
        self, gc: Any, x: float, y: float, line: str, prop: Any, angle: float, text: Text
    ) -> None:
        """Draw one row with ``RendererSVG.draw_text``, keeping its ``<text>`` style."""
        renderer = self.renderer
        writer = renderer.writer
        recorder = _TextStyleRecorder(writer)
        renderer.writer = recorder
        try:
            renderer.draw_text(gc, x, y, line, prop, angle, ismath=False, mtext=text)
        finally:
            renderer.writer = writer
        if gc.get_url() is None and recorder.style is not None:
            self.style = recorder.style
            self.clip = renderer._get_clip_attrs(gc)

    def write(
        self, gc: Any, gid: Any, line: str, posx: float, posy: float, y: float, angle: float
    ) -> bool:
        """Write one row (anchor ``posx, posy``, baseline ``y`` in SVG coordinates); False
        before the batch's style is known."""
        from matplotlib.backends.backend_svg import _generate_transform, _short_float_fmt

        if self.style is None:
            return False
        renderer = self.renderer
        writer = renderer.writer
        # as RendererSVG._draw_text_as_text moves the anchor to the baseline (angle 0: the
        # offset along (sin, cos) of the angle is the vertical distance)
        anchor_x = posx
        anchor_y = renderer.height - posy
        anchor_y = anchor_y + (y - anchor_y)
        renderer.open_group("text", gid)
        if self.clip:
            writer.start("g", **self.clip)
        attrib = {
            "style": self.style,
            "x": _short_float_fmt(anchor_x),
            "y": _short_float_fmt(anchor_y),
            "transform": _generate_transform([("rotate", (-angle, anchor_x, anchor_y))]),
        }
        writer.element("text", line, attrib=attrib)
        if self.clip:
            writer.end("g")
        renderer.close_group("text")
        return True


class _TextStyleRecorder:
    """An SVG writer that passes everything on and keeps the style of the ``<text>`` it
    writes."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.style: str | None = None

    def element(self, tag: str, text: Any = None, attrib: Any = None, **extra: Any) -> Any:
        """Write the element, keeping a ``<text>``'s style."""
        if tag == "text" and attrib is not None and not extra:
            self.style = attrib.get("style")
        return self.writer.element(tag, text, attrib, **extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.writer, name)


def _template(ax: Any, style: dict[str, Any]) -> Text:
    """A ``Text`` set up as ``Axes.text`` sets up a text of ``geom_text`` (data transform,
    clipped to the axes patch), not added to ``ax``."""
    text = Text(0.0, 0.0, "", transform=ax.transData, clip_on=True, **style)
    text.set_clip_path(ax.patch)
    text.set_figure(ax.get_figure(root=False))
    text.axes = ax
    return text


class geom_row_labels(geom_text_batch):  # noqa: N801 (plotnine's geom naming)
    """Labels of the rows (aesthetics ``y`` and ``label``) beside the y axis, drawn as one
    :class:`TextBatch` and one collection of tick marks, where matplotlib draws y tick labels
    and ticks: a tick of ``tick_length`` points left of the axis at each row, and each label
    right-aligned ``tick_length + gap`` points left of the axis, centred on the row's
    baseline, not clipped.

    The y scale has no breaks, so the layout leaves no room for tick labels: the plot
    reserves it (``plot_margin_left``). Text size, colour, family and line spacing are given
    as the theme's ``axis_text_y``; ``tick_color`` and ``tick_width`` as its
    ``axis_ticks_major_y``.
    """

    REQUIRED_AES = {"label", "y"}  # noqa: RUF012 (plotnine declares it so)
    DEFAULT_PARAMS = {  # noqa: RUF012 (plotnine declares it so)
        **geom_text_batch.DEFAULT_PARAMS,
        "tick_length": 2.0,
        "gap": 1.6,
        "tick_color": "#333333",
        "tick_width": 1.0,
    }

    def _x(self, data: Any) -> Any:
        """At the axis (x = 0 in the axes' coordinates of :func:`_beside_y_axis`)."""
        return [0.0] * len(data)

    def _batch(self, ax: Any, template: Text, rows: list[tuple[float, float, str]]) -> TextBatch:
        """The labels right-aligned left of the ticks, and the ticks (added to ``ax``)."""
        params = self.params
        template.set_horizontalalignment("right")
        template.set_verticalalignment("center_baseline")
        template.set_clip_on(False)
        template.set_transform(_beside_y_axis(ax, params["tick_length"] + params["gap"]))
        # One line of tick markers (matplotlib's y ticks are one Line2D of one marker each).
        ticks = Line2D(
            [0.0] * len(rows),
            [y for _, y, _ in rows],
            linestyle="none",
            marker=MarkerStyle(TICK_LEFT),
            markersize=params["tick_length"],
            markeredgewidth=params["tick_width"],
            color=params["tick_color"],
            markeredgecolor=params["tick_color"],
            transform=blended_transform_factory(ax.transAxes, ax.transData),
            clip_on=False,
            zorder=template.get_zorder(),
        )
        ax.add_line(ticks)
        return TextBatch(template, rows)


def _beside_y_axis(ax: Any, points: float) -> Any:
    """x in the axes' coordinates moved ``points`` to the left, y in data coordinates."""
    figure = ax.get_figure(root=False)
    shift = ScaledTranslation(-points / 72.0, 0.0, figure.dpi_scale_trans)
    return blended_transform_factory(ax.transAxes, ax.transData) + shift
