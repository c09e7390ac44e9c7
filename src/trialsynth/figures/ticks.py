"""Round tick values for effect axes (what a journal figure shows: 0.5, 1, 2, not 0.73).

Ticks are chosen on the reporting scale (ratios, proportions, differences) and placed on the
analysis scale (log ratios, logits) with the measure's transform.
"""

from __future__ import annotations

import math

from trialsynth.meta.measures import SINGLE_ARM, Measure

#: Symmetric ratio tick sets (RevMan style), by the largest ratio they reach.
RATIO_TICKS: tuple[tuple[float, tuple[float, ...]], ...] = (
    (2.0, (0.5, 0.7, 1.0, 1.5, 2.0)),
    (5.0, (0.2, 0.5, 1.0, 2.0, 5.0)),
    (10.0, (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)),
    (100.0, (0.01, 0.1, 1.0, 10.0, 100.0)),
    (1000.0, (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)),
)
PROPORTION_TICKS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def _nice_step(span: float, target: int = 4) -> float:
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _label(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def effect_ticks(measure: Measure, lower: float, upper: float) -> tuple[list[float], list[str]]:
    """Tick positions (analysis scale) and labels (reporting scale) covering ``[lower, upper]``.

    ``lower`` and ``upper`` are on the analysis scale; the returned ticks span at least that
    range, so the axis limits are the first and last tick.
    """
    if measure.log_scale:
        reach = max(math.exp(abs(lower)), math.exp(abs(upper)))
        ratios = RATIO_TICKS[-1][1]
        for limit, candidate in RATIO_TICKS:
            if reach <= limit * (1 + 1e-9):
                ratios = candidate
                break
        return [math.log(t) for t in ratios], [_label(t) for t in ratios]
    if measure.kind == SINGLE_ARM:
        lo_p, hi_p = measure.back_transform(lower), measure.back_transform(upper)
        below = [p for p in PROPORTION_TICKS if p <= lo_p] or [PROPORTION_TICKS[0]]
        above = [p for p in PROPORTION_TICKS if p >= hi_p] or [PROPORTION_TICKS[-1]]
        chosen = [p for p in PROPORTION_TICKS if below[-1] <= p <= above[0]]
        while len(chosen) > 6:
            chosen = chosen[::2] if chosen[-1] in chosen[::2] else [*chosen[::2], chosen[-1]]
        return [measure.transform(p) for p in chosen], [_label(p) for p in chosen]
    span = max(upper - lower, 1e-9)
    step = _nice_step(span)
    first = math.floor(lower / step + 1e-9) * step
    last = math.ceil(upper / step - 1e-9) * step
    count = round((last - first) / step)
    values = [first + i * step for i in range(count + 1)]
    values = [0.0 if abs(t) < step * 1e-9 else t for t in values]
    return values, [_label(t) for t in values]
