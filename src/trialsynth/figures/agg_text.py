"""Raster text drawn from reused glyph bitmaps: matplotlib's Agg pixels at a fraction of the cost.

Matplotlib (3.11) draws a text with Agg by shaping the string (libraqm, ``FT2Font._layout``)
and rendering each glyph with FreeType at its position (``FT2Font._render_glyph`` under a
transform whose translation is the glyph's position in 1/64 pixel, FreeType's 26.6 fixed
point), then compositing the bitmap (``draw_text_image``). A forest plot of hundreds of studies
holds some 3,000 texts of 10-20 glyphs: about 1 ms per text, most of its PNG's drawing time.

Two things repeat from text to text:

- a string's shaping does not depend on where it is drawn (only on its font, size, dpi, hinting
  and OpenType features/language);
- a glyph's bitmap depends only on the fractional part (in 1/64 pixel) of its position:
  moving an outline by whole pixels moves its bitmap by whole pixels (the rasteriser's grid is
  the pixel grid), and a text row's glyphs fall on few distinct fractions.

:class:`CachedTextRenderer` keeps both, keyed by everything that changes them, and composites a
kept bitmap with the same ``draw_text_image`` call at the same pixel as matplotlib does, so the
pixels are matplotlib's, bit for bit (``tests/unit/figures/test_agg_text.py`` compares whole
figures against matplotlib's own renderer). Mathtext, rotated and aliased (non-antialiased) text
go through matplotlib's own code unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import RenderMode

log = logging.getLogger(__name__)

#: Most kept shapings and glyph bitmaps each; a full cache is emptied (a forest plot of 350
#: studies keeps ~600 shapings and ~8,000 bitmaps of a few hundred bytes).
MAX_ENTRIES = 200_000
#: FreeType's 26.6 fixed point: 64 units per pixel.
SUBPIXELS = 64
#: The identity transform in FreeType's 16.16 fixed point (text drawn without rotation).
_IDENTITY = (0x10000 * np.array([[1.0, 0.0], [0.0, 1.0]])).round().astype(int)

#: One shaped glyph: its font object, glyph index and offset (pixels) from the text's origin.
_Glyph = tuple[Any, int, float, float]
#: A kept bitmap with its left and top edges (pixels) when rendered at offset (fx, fy) / 64.
_Bitmap = tuple[np.ndarray, int, int]

_shapes: dict[Hashable, tuple[Any, list[_Glyph]]] = {}
_bitmaps: dict[Hashable, tuple[Any, _Bitmap]] = {}


def cache_sizes() -> tuple[int, int]:
    """The number of kept shapings and glyph bitmaps."""
    return len(_shapes), len(_bitmaps)


def clear_cache() -> None:
    """Forget every kept shaping and glyph bitmap."""
    _shapes.clear()
    _bitmaps.clear()


def _keep(cache: dict[Hashable, Any], key: Hashable, value: Any) -> None:
    """Keep ``value`` under ``key``, emptying ``cache`` first when it is full."""
    if len(cache) >= MAX_ENTRIES:
        log.debug("text cache full (%d entries): emptied", len(cache))
        cache.clear()
    cache[key] = value


class CachedTextRenderer(RendererAgg):
    """Matplotlib's Agg renderer drawing plain text from kept shapings and glyph bitmaps.

    Keys hold the ``id`` of the font objects whose results they keep, and the entries hold
    the font objects themselves, so an ``id`` is never reused while its entries are kept.
    The font object (matplotlib's cached ``FT2Font`` for a font file list, hinting and
    kerning factor) and the size, dpi, hinting flags, features and language make a shaping's
    key; the glyph's font object, size, dpi, flags, index and 1/64-pixel fractions make a
    bitmap's key.
    """

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        """Draw ``s`` at (``x``, ``y``) (pixels, y downwards) as matplotlib's Agg does."""
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        if ismath or angle != 0 or not gc.get_antialiased() or not _hashable(features, language):
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        font = self._prepare_font(prop)
        flags = get_hinting_flag()
        size = prop.get_size_in_points()
        glyphs = self._shape(font, s, size, flags, features, language)
        height = self.height
        for ft_object, index, dx, dy in glyphs:
            # the glyph's position in 1/64 pixel, y upwards (as matplotlib computes it)
            px = round(SUBPIXELS * (x + dx))
            py = round(SUBPIXELS * (height - y + dy))
            (whole_x, fx), (whole_y, fy) = divmod(px, SUBPIXELS), divmod(py, SUBPIXELS)
            buffer, left, top = self._bitmap(ft_object, index, size, flags, fx, fy)
            left += whole_x
            top += whole_y
            self._renderer.draw_text_image(buffer, left, int(height) - top + buffer.shape[0], 0, gc)

    def _shape(
        self, font: Any, s: str, size: float, flags: Any, features: Any, language: Any
    ) -> list[_Glyph]:
        """The shaped glyphs of ``s`` (kept per font object, size, dpi and options)."""
        key = (id(font), s, size, self.dpi, flags, features, language)
        kept = _shapes.get(key)
        if kept is not None:
            return kept[1]
        items = font._layout(s, flags=flags, features=features, language=language)
        glyphs = [(item.ft_object, item.glyph_index, item.x, item.y) for item in items]
        _keep(_shapes, key, (font, glyphs))
        return glyphs

    def _bitmap(
        self, ft_object: Any, index: int, size: float, flags: Any, fx: int, fy: int
    ) -> _Bitmap:
        """The bitmap of glyph ``index`` rendered at (``fx``, ``fy``) / 64 pixel."""
        key = (id(ft_object), index, size, self.dpi, flags, fx, fy)
        kept = _bitmaps.get(key)
        if kept is not None:
            return kept[1]
        ft_object.set_size(size, self.dpi)
        ft_object._set_transform(_IDENTITY, [fx, fy])
        bitmap = ft_object._render_glyph(index, flags, RenderMode.NORMAL)
        rendered = (np.array(bitmap.buffer), int(bitmap.left), int(bitmap.top))
        _keep(_bitmaps, key, (ft_object, rendered))
        return rendered


def _hashable(*values: Any) -> bool:
    """Whether every value can be part of a cache key."""
    try:
        hash(values)
    except TypeError:
        return False
    return True


class CachedTextCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`CachedTextRenderer`."""

    def get_renderer(self) -> CachedTextRenderer:
        """The canvas's renderer, made again when the figure's size or dpi changed (as
        ``FigureCanvasAgg.get_renderer`` does)."""
        width, height = self.get_width_height(physical=True)
        key = (width, height, self.figure.dpi)
        renderer = getattr(self, "renderer", None)
        if self._lastKey != key or not isinstance(renderer, CachedTextRenderer):
            renderer = CachedTextRenderer(width, height, self.figure.dpi)
            self.renderer = renderer
            self._lastKey = key  # type: ignore[assignment]
        return renderer
