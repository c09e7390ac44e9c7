"""Numbers as a journal prints them (shared by figures and the report).

Estimates and their intervals with 2 decimals; p-values with 3 significant figures, or
``< 0.001`` below it (BMJ / JAMA style); percentages without decimals unless asked.
"""

from __future__ import annotations

import math
from typing import Any

DASH = "—"


def finite(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when missing, not a number or infinite."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def format_p(p: Any) -> str:
    """``"0.0381"``, ``"0.58"``, ``"< 0.001"``; ``"—"`` when not estimable."""
    value = finite(p)
    if value is None:
        return DASH
    if value < 0.001:
        return "< 0.001"
    return f"{value:.3g}"


def format_number(value: Any, digits: int = 2) -> str:
    """A number with ``digits`` decimals, ``"—"`` when not estimable (no ``-0.00``)."""
    number = finite(value)
    if number is None:
        return DASH
    text = f"{number:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def format_percent(value: Any, digits: int = 0) -> str:
    """``"57%"`` from 57.3 (a value already in percent)."""
    number = finite(value)
    return DASH if number is None else f"{number:.{digits}f}%"
