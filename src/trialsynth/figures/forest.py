"""Forest plot of a random-effects meta-analysis, drawn with plotnine.

The layout follows metafor's ``forest.rma`` (Viechtbauer 2010, J Stat Softw 36(3)): one row per
study with its estimate (a square whose area is proportional to the study's random-effects weight
``1 / (v_i + tau^2)``) and its Wald confidence interval ``y_i +/- z_{1-alpha/2} sqrt(v_i)``; the
pooled estimate as a diamond spanning its confidence interval; the prediction interval as a
dotted line through the diamond (``addpred=TRUE``). Ratio measures (RR, OR) are drawn on the log
scale with axis labels on the ratio scale (``atransf=exp``); logit proportions (PLO) with labels
as proportions.

The figure reads only the analysis input table and the engine's result object, so every drawn number
is one the report also prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trialsynth.errors import InputError
from trialsynth.meta.measures import SINGLE_ARM, Measure
from trialsynth.meta.result import MetaResult
from trialsynth.tables import atomic_path


@dataclass(frozen=True)
class ForestRows:
    """The numbers a forest plot draws, one row per study plus the pooled summary."""

    studies: pd.DataFrame
    summary: dict[str, Any]
    measure: Measure
    level: float


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def forest_rows(result: MetaResult, labels: Sequence[str] | None = None) -> ForestRows:
    """Collect the study rows and summary of a forest plot from a ``trialsynth meta`` result.

    Parameters
    ----------
    result
        The fitted model (:class:`~trialsynth.meta.result.MetaResult`, e.g. from
        :func:`~trialsynth.meta.result.load_result`).
    labels
        Study labels in the order of ``yi``; defaults to ``result.study``.
    """
    measure = result.effect_measure()
    level = result.level
    yi = np.asarray(result.yi, dtype=float)
    vi = np.asarray(result.vi, dtype=float)
    if labels is None:
        labels = result.study or [f"Study {i + 1}" for i in range(len(yi))]
    labels = [str(label) for label in labels]
    if not (len(yi) == len(vi) == len(labels)):
        raise InputError(
            f"result has {len(yi)} effects, {len(vi)} variances and {len(labels)} labels",
            hint="draw the forest plot from the result of the same analysis table",
        )
    crit = float(stats.norm.ppf(1 - (1 - level / 100) / 2))
    tau2 = _finite(result.tau2) or 0.0
    weights = 1.0 / (vi + tau2) if len(vi) else vi
    share = 100 * weights / weights.sum() if len(vi) else weights
    studies = pd.DataFrame(
        {
            "label": labels,
            "yi": yi,
            "ci_lb": yi - crit * np.sqrt(vi),
            "ci_ub": yi + crit * np.sqrt(vi),
            "weight": share,
        }
    )
    summary: dict[str, Any] = {
        key: _finite(getattr(result, key))
        for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2")
    }
    summary["k"] = result.k
    summary["method"] = result.settings.get("method", "")
    summary["test"] = result.settings.get("test", "")
    summary["pi"] = result.settings.get("pi", "")
    return ForestRows(studies=studies, summary=summary, measure=measure, level=level)


def format_effect(measure: Measure, value: float, lower: float, upper: float) -> str:
    """``"1.23 [0.98, 1.55]"`` on the reporting scale of ``measure``."""
    return measure.format_effect(value, lower, upper)


def _axis_breaks(measure: Measure, lower: float, upper: float) -> tuple[list[float], list[str]]:
    """Tick positions on the analysis scale and their labels on the reporting scale."""
    if measure.log_scale:
        coarse = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
        fine = [0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4]
        ticks = [c for c in coarse if lower <= math.log(c) <= upper]
        if len(ticks) < 3:
            ticks = [c for c in fine if lower <= math.log(c) <= upper] or [1]
        return [math.log(t) for t in ticks], [f"{t:g}" for t in ticks]
    if measure.kind == SINGLE_ARM:
        candidates = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99]
        ticks = [c for c in candidates if lower <= math.log(c / (1 - c)) <= upper]
        return [math.log(t / (1 - t)) for t in ticks], [f"{t:g}" for t in ticks]
    ticks = list(np.linspace(lower, upper, 5))
    return ticks, [f"{t:.2g}" for t in ticks]


def draw_forest(rows: ForestRows, title: str = "") -> Any:
    """Build the plotnine figure of a forest plot (metafor ``forest.rma`` layout)."""
    import plotnine as p9

    studies = rows.studies.copy()
    summary = rows.summary
    k = len(studies)
    studies["row"] = np.arange(k, 0, -1) + 1.5  # studies top-down, summary at row 0
    bounds = [*studies["ci_lb"], *studies["ci_ub"]]
    for key in ("ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        if summary.get(key) is not None:
            bounds.append(summary[key])
    finite = [b for b in bounds if math.isfinite(b)]
    lower, upper = (min(finite), max(finite)) if finite else (-1.0, 1.0)
    null = rows.measure.null
    if null is not None:
        lower, upper = min(lower, null), max(upper, null)
    span = max(upper - lower, 1e-6)
    lower, upper = lower - 0.05 * span, upper + 0.05 * span
    left_text_x = lower - 0.9 * span
    right_text_x = upper + 0.08 * span
    weight_x = upper + 0.62 * span

    studies["effect_text"] = [
        format_effect(rows.measure, y, lo, hi)
        for y, lo, hi in zip(studies["yi"], studies["ci_lb"], studies["ci_ub"], strict=True)
    ]
    studies["weight_text"] = [f"{w:.1f}%" for w in studies["weight"]]
    header_row = k + 2.5
    pooled_label = f"RE model (k = {summary['k']})"
    text_left = pd.DataFrame(
        {
            "x": [left_text_x] * (k + 2),
            "row": [*studies["row"], 0.0, header_row],
            "text": [*studies["label"], pooled_label, "Study"],
        }
    )
    est, lo, hi = summary.get("estimate"), summary.get("ci_lb"), summary.get("ci_ub")
    right_rows = [*studies["row"], header_row]
    right_texts = [*studies["effect_text"], f"{rows.measure.short} [{rows.level:g}% CI]"]
    weight_texts = [*studies["weight_text"], "Weight"]
    if est is not None and lo is not None and hi is not None:
        right_rows.append(0.0)
        right_texts.append(format_effect(rows.measure, est, lo, hi))
        weight_texts.append("100%")
    text_right = pd.DataFrame({"x": right_text_x, "row": right_rows, "text": right_texts})
    text_weight = pd.DataFrame({"x": weight_x, "row": right_rows, "text": weight_texts})

    breaks, labels = _axis_breaks(rows.measure, lower, upper)
    plot = (
        p9.ggplot()
        + p9.geom_segment(studies, p9.aes(x="ci_lb", xend="ci_ub", y="row", yend="row"), size=0.4)
        + p9.geom_point(studies, p9.aes(x="yi", y="row", size="weight"), shape="s", fill="black")
        + p9.geom_text(text_left, p9.aes(x="x", y="row", label="text"), ha="left", size=8)
        + p9.geom_text(text_right, p9.aes(x="x", y="row", label="text"), ha="left", size=8)
        + p9.geom_text(text_weight, p9.aes(x="x", y="row", label="text"), ha="left", size=8)
        + p9.scale_size_continuous(range=(1.2, 5), guide=None)
        + p9.scale_x_continuous(breaks=breaks, labels=labels, name=rows.measure.axis_label)
        + p9.scale_y_continuous(breaks=[], name="", limits=(-1.2, header_row + 0.8))
        + p9.coord_cartesian(xlim=(left_text_x, weight_x + 0.25 * span))
        + p9.theme_classic(base_size=9)
        + p9.theme(
            axis_line_y=p9.element_blank(),
            axis_line_x=p9.element_blank(),
            axis_ticks_major_y=p9.element_blank(),
            figure_size=(9, 1.6 + 0.32 * (k + 3)),
        )
    )
    plot += p9.annotate("segment", x=lower, xend=upper, y=-1.2, yend=-1.2, size=0.4)
    if null is not None:
        plot += p9.annotate(
            "segment", x=null, xend=null, y=-0.8, yend=k + 1.9, linetype="dashed", size=0.3
        )
    if est is not None and lo is not None and hi is not None:
        diamond = pd.DataFrame({"x": [lo, est, hi, est], "y": [0.0, 0.35, 0.0, -0.35]})
        plot += p9.geom_polygon(diamond, p9.aes(x="x", y="y"), fill="#333333")
    pi_lb, pi_ub = summary.get("pi_lb"), summary.get("pi_ub")
    if pi_lb is not None and pi_ub is not None and (pi_lb < (lo or 0) or pi_ub > (hi or 0)):
        plot += p9.annotate("segment", x=pi_lb, xend=pi_ub, y=0, yend=0, linetype="dotted")
    caption = _caption(rows)
    plot += p9.labs(title=title, caption=caption)
    return plot


def _caption(rows: ForestRows) -> str:
    summary = rows.summary
    parts = [f"Random-effects model: tau² {summary['method']}, CI test {summary['test']}"]
    if summary.get("tau2") is not None:
        parts.append(f"tau² = {summary['tau2']:.3g}")
    if summary.get("I2") is not None:
        parts.append(f"I² = {summary['I2']:.1f}%")
    if summary.get("pi_lb") is not None:
        parts.append(f"dotted line: {rows.level:g}% prediction interval ({summary['pi']})")
    return "; ".join(parts)


#: Largest height in pixels of a saved figure (matplotlib's limit is 2**16).
MAX_PIXELS = 60_000


def save_forest(plot: Any, path: str | Path) -> None:
    """Save atomically and deterministically (no timestamp or software version in the metadata).

    The format (``png`` or ``svg``) follows the file name's suffix.
    """
    import matplotlib

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in {"png", "svg", "pdf"}:
        raise InputError(f"unsupported figure format {fmt!r}", path=path, hint="use .png or .svg")
    matplotlib.rcParams["svg.hashsalt"] = "trialsynth"
    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
    }[fmt]
    # A forest of hundreds of studies is taller than plotnine's 25-inch guard and, at 150 dpi,
    # than the largest PNG matplotlib writes (2**16 pixels): lower the resolution instead.
    height = float(plot.theme.getp("figure_size")[1])
    dpi = min(150, int(MAX_PIXELS / height))
    with atomic_path(path) as tmp:
        plot.save(str(tmp), format=fmt, dpi=dpi, verbose=False, metadata=metadata, limitsize=False)
