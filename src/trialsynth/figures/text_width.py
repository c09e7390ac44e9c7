"""Widths of figure text, and labels fitted to a column (ellipsis) or wrapped to a width.

Forest plots place text in fixed columns; a label wider than its column runs into the next one.
The width of a string is the sum of its glyphs' advances in the font matplotlib draws it with
(its default sans-serif, DejaVu Sans, regular or bold), read once per character from the font
file with FreeType (``FT2Font.load_char``, unhinted linear advance). Kerning is left out, so a
small margin is kept: the result is deterministic and costs a dictionary look-up per character,
which matters for forest plots of thousands of studies.
"""

from __future__ import annotations

from functools import lru_cache

#: Points per inch.
POINTS = 72.0
#: The character that marks a shortened label.
ELLIPSIS = "…"
#: Share of the width kept free for kerning and anti-aliasing.
MARGIN = 0.03


@lru_cache(maxsize=4)
def _font(bold: bool) -> object:
    """A font object of our own (matplotlib's cached ones change size as it draws)."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    weight = "bold" if bold else "normal"
    font = FT2Font(findfont(FontProperties(family="sans-serif", weight=weight)))
    font.set_size(POINTS, POINTS)  # 72 pt at 72 dpi: advances come out in points for size 72
    return font


@lru_cache(maxsize=4096)
def _advance(char: str, bold: bool) -> float:
    """Advance of one character at 1 pt, in points."""
    from matplotlib.ft2font import LoadFlags

    glyph = _font(bold).load_char(ord(char), flags=LoadFlags.NO_HINTING)  # type: ignore[attr-defined]
    return float(glyph.linearHoriAdvance) / 65536 / POINTS


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in inches of ``text`` drawn at ``size`` points (one line)."""
    return sum(_advance(c, bold) for c in text) * size / POINTS * (1 + MARGIN)


def fit_text(text: str, width: float, size: float, bold: bool = False) -> str:
    """``text``, or its longest start that fits ``width`` inches followed by an ellipsis.

    Examples
    --------
    >>> fit_text("Drug A 2001 (a long description of the arm)", 1.0, 7.0)
    'Drug A 2001 (a long desc…'
    """
    if text_width(text, size, bold) <= width:
        return text
    room = width - text_width(ELLIPSIS, size, bold)
    scale = size / POINTS * (1 + MARGIN)
    used, end = 0.0, 0
    while end < len(text) and used + _advance(text[end], bold) * scale <= room:
        used += _advance(text[end], bold) * scale
        end += 1
    return text[:end].rstrip(" ,;([") + ELLIPSIS


def wrap_text(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` inches (a word wider than
    the width is shortened with an ellipsis)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, size, bold) > width:
            lines.append(line)
            candidate = word
        line = candidate
    if line or not lines:
        lines.append(line)
    return [fit_text(line, width, size, bold) for line in lines]
