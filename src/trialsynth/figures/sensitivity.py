"""Sensitivity figures of one analysis: leave-one-out plot and funnel plot (plotnine).

- Leave-one-out (metafor ``leave1out`` drawn as a forest plot): the pooled estimate and CI
  refitted without each study in turn, against the full model's estimate. Drawn for k >= 3
  (with two studies, leaving one out leaves a single study, not a pooled estimate).
- Funnel plot (metafor ``funnel.rma``; Sterne et al. 2011, BMJ 343:d4002): each study's effect
  against its standard error (inverted axis), with the pseudo-confidence region
  ``estimate +/- z * se`` around the pooled estimate and Egger's regression test in the caption.
  Drawn only for k >= 10 (Cochrane Handbook 13.3.5.4: with fewer studies the test has too
  little power to tell chance from asymmetry).

- GOSH plot (Olkin, Dahabreh & Trikalinos 2012, Res Synth Methods 3:214; metafor ``gosh``):
  the fixed-effect estimate against I² for every one of the 2^k - 1 subsets of studies
  (:func:`trialsynth.meta.gosh.gosh`), for 6 <= k <= 20; clusters point to studies that drive
  heterogeneity.

Each ``*_reason`` function says why a figure is not drawn, in words the report prints. None of
them applies to a meta-regression: it has no single pooled estimate to refit, to centre a funnel
on or to pool over subsets (rows at different moderator values estimate different things).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from trialsynth.figures.forest import is_meta_regression
from trialsynth.figures.save import png_dpi
from trialsynth.figures.text_batch import geom_row_labels, geom_text_batch
from trialsynth.figures.text_width import POINTS, fit_text, text_width
from trialsynth.figures.ticks import effect_ticks
from trialsynth.formatting import format_p
from trialsynth.meta.gosh import GOSH_MAX_K, GOSH_MIN_K, gosh
from trialsynth.meta.result import MetaResult, z_critical

#: Above this many subsets the GOSH plot shows point density (hexagonal-free 2-D bins).
GOSH_POINTS_MAX = 4096

#: Fewest studies for a funnel plot and Egger's test (Cochrane Handbook 13.3.5.4).
FUNNEL_MIN_K = 10
#: Fewest studies for a leave-one-out plot.
LEAVE_ONE_OUT_MIN_K = 3


#: Room (inches) for a study label beside the leave-one-out rows; longer ones get an ellipsis.
LABEL_ROOM = 2.4
#: Size (points) of the axis text of the sensitivity figures (theme_classic(base_size=8)).
AXIS_TEXT_SIZE = 6.4
#: Width (inches) of the leave-one-out plot.
LEAVE_ONE_OUT_WIDTH = 7.5


def regression_reason(result: MetaResult, figure: str) -> str | None:
    """Why ``figure`` is not drawn for a meta-regression (``None`` for a pooled analysis)."""
    if not is_meta_regression(result):
        return None
    return (
        f"k = {result.k} rows of a meta-regression: no single pooled estimate, so no {figure} "
        "(its coefficients and predictions are in the results section)."
    )


def funnel_reason(result: MetaResult) -> str | None:
    """Why no funnel plot is drawn (``None`` when it is)."""
    if regression := regression_reason(result, "funnel plot or Egger's test"):
        return regression
    if result.k < FUNNEL_MIN_K:
        return (
            f"k = {result.k}: a funnel plot and Egger's test need at least {FUNNEL_MIN_K} studies "
            "(Cochrane Handbook 13.3.5.4); with fewer, asymmetry cannot be told from chance."
        )
    return None


def leave_one_out_reason(result: MetaResult) -> str | None:
    """Why no leave-one-out plot is drawn (``None`` when it is)."""
    if regression := regression_reason(result, "leave-one-out refits"):
        return regression
    if result.k < LEAVE_ONE_OUT_MIN_K or not result.leave1out:
        return (
            f"k = {result.k}: leaving one study out needs at least {LEAVE_ONE_OUT_MIN_K} studies "
            "to leave a pooled estimate."
        )
    return None


def gosh_reason(result: MetaResult) -> str | None:
    """Why no GOSH plot is drawn (``None`` when it is)."""
    if regression := regression_reason(result, "GOSH plot of pooled subsets"):
        return regression
    if not GOSH_MIN_K <= result.k <= GOSH_MAX_K:
        return (
            f"k = {result.k}: a GOSH plot is drawn for {GOSH_MIN_K} to {GOSH_MAX_K} studies "
            f"(fewer give too few subsets to show clusters; more give over 2^{GOSH_MAX_K})."
        )
    return None


def _axis(result: MetaResult, values: list[float]) -> tuple[list[float], list[str]]:
    measure = result.effect_measure()
    finite = [v for v in values if math.isfinite(v)]
    if measure.null is not None:
        finite.append(measure.null)
    return effect_ticks(measure, min(finite), max(finite))


def row_label_margin(theme: Any, labels: list[str], height: float) -> float:
    """The left margin (a fraction of the leave-one-out plot's width) that holds its study
    labels and ticks as plotnine lays out y tick labels: the theme's own margin, the theme's
    ``axis_text_y`` margins around the widest label, and the ticks' length.

    The widest label is measured as its PNG is laid out: with matplotlib's Agg renderer at
    the PNG's resolution (:func:`~trialsynth.figures.save.png_dpi` of the figure, ``height``
    inches tall), so the PNG keeps the layout a tick label per study gives it (the SVG's
    glyph metrics differ by a fraction of a point). Only the labels whose summed glyph
    advances (:func:`~trialsynth.figures.text_width.text_width`, within a few percent of the
    drawn width) come near the widest are measured.
    """
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    size = theme.getp(("axis_text_y", "size"))
    font = FontProperties(family=theme.getp(("axis_text_y", "family")), size=size)
    estimates = [text_width(label, size) for label in labels]
    longest = max(estimates, default=0.0)
    candidates = [label for label, w in zip(labels, estimates, strict=True) if w >= 0.9 * longest]
    dpi = png_dpi(LEAVE_ONE_OUT_WIDTH, height)
    measure = RendererAgg(1, 1, dpi).get_text_width_height_descent
    widest = max((measure(label, font, False)[0] for label in candidates), default=0.0)
    widest *= POINTS / dpi
    margin = theme.getp(("axis_text_y", "margin"))
    room = (margin.l + widest + margin.r) if widest else 0.0
    room += theme.getp("axis_ticks_length_major_y")
    return float(theme.getp("plot_margin_left")) + room / POINTS / LEAVE_ONE_OUT_WIDTH


def draw_leave_one_out(result: MetaResult, labels: list[str] | None = None) -> Any:
    """Leave-one-out estimates with their CIs, one row per omitted study."""
    import plotnine as p9

    measure = result.effect_measure()
    loo = result.leave1out or {}
    names = labels or list(result.study)
    frame = pd.DataFrame(
        {
            "omitted": [fit_text(f"without {name}", LABEL_ROOM, AXIS_TEXT_SIZE) for name in names],
            "estimate": loo.get("estimate", []),
            "ci_lb": loo.get("ci_lb", []),
            "ci_ub": loo.get("ci_ub", []),
        }
    )
    frame["row"] = np.arange(len(frame), 0, -1, dtype=float)
    back = measure.back_transform
    frame["text"] = [
        f"{back(e):.2f} [{back(lo):.2f}, {back(hi):.2f}]"
        for e, lo, hi in zip(frame["estimate"], frame["ci_lb"], frame["ci_ub"], strict=True)
    ]
    ticks, tick_labels = _axis(
        result, [*frame["ci_lb"], *frame["ci_ub"], result.ci_lb, result.ci_ub]
    )
    text_x = ticks[-1] + 0.05 * (ticks[-1] - ticks[0])
    # CIs beyond the axis end at it (as metafor's forest draws them), clear of the printed text.
    frame["ci_lb"] = frame["ci_lb"].clip(lower=ticks[0], upper=ticks[-1])
    frame["ci_ub"] = frame["ci_ub"].clip(lower=ticks[0], upper=ticks[-1])
    theme = p9.theme_classic(base_size=8)
    height = 1.3 + 0.28 * len(frame)
    plot = (
        p9.ggplot(frame, p9.aes(y="row"))
        + p9.annotate(
            "rect",
            xmin=max(result.ci_lb, ticks[0]),
            xmax=min(result.ci_ub, ticks[-1]),
            ymin=0.4,
            ymax=len(frame) + 0.6,
            fill="#dde6f0",
            alpha=0.8,
        )
        + p9.geom_vline(xintercept=result.estimate, color="#1f4e79", size=0.5)
        + p9.geom_segment(p9.aes(x="ci_lb", xend="ci_ub", yend="row"), size=0.45)
        + p9.geom_point(p9.aes(x="estimate"), shape="s", size=2.2, fill="#1f4e79")
        + geom_text_batch(p9.aes(x=text_x, label="text"), ha="left", size=7)
        # The study labels sit where the y axis's tick labels go, drawn as one artist
        # (a tick label per study costs ~1 s for 350 studies); the ticks keep their marks.
        + geom_row_labels(
            p9.aes(label="omitted"),
            size=theme.getp(("axis_text_y", "size")),
            color=theme.getp(("axis_text_y", "color")),
            family=theme.getp(("axis_text_y", "family")),
            lineheight=theme.getp(("axis_text_y", "linespacing")),
            tick_length=theme.getp("axis_ticks_length_major_y"),
            gap=theme.getp(("axis_text_y", "margin")).r,
            tick_color=theme.getp(("axis_ticks_major_y", "color")),
            tick_width=theme.getp(("axis_ticks_major_y", "linewidth")),
        )
        # The band already spans half a row beyond the first and last study: no further
        # padding (plotnine's default adds 5 % of the range, ~17 blank rows at each end of a
        # plot of 347 studies).
        + p9.scale_y_continuous(
            breaks=[],
            minor_breaks=[],
            expand=(0, 0),
            name="",
        )
        + p9.scale_x_continuous(breaks=ticks, labels=tick_labels, name=measure.axis_label)
        + p9.coord_cartesian(xlim=(ticks[0], ticks[-1] + 0.45 * (ticks[-1] - ticks[0])))
        + p9.labs(
            title="Leave-one-out: pooled estimate without each study",
            caption=(
                "Line and band: the full model's estimate and CI "
                f"({measure.format_effect(result.estimate, result.ci_lb, result.ci_ub)})."
            ),
        )
        + theme
        + p9.theme(
            figure_size=(LEAVE_ONE_OUT_WIDTH, height),
            plot_margin_left=row_label_margin(theme, list(frame["omitted"]), height),
        )
    )
    if measure.null is not None:
        plot += p9.geom_vline(xintercept=measure.null, linetype="dashed", size=0.3)
    return plot


def draw_funnel(result: MetaResult) -> Any:
    """Funnel plot with the pseudo 95% confidence region and Egger's test in the caption."""
    import plotnine as p9

    measure = result.effect_measure()
    yi = np.asarray(result.yi, dtype=float)
    sei = np.sqrt(np.asarray(result.vi, dtype=float))
    crit = z_critical(result.level)
    se_max = float(sei.max()) * 1.05
    region = pd.DataFrame(
        {
            "x": [
                result.estimate - crit * se_max,
                result.estimate,
                result.estimate + crit * se_max,
            ],
            "y": [se_max, 0.0, se_max],
        }
    )
    ticks, tick_labels = _axis(result, [*region["x"], *yi])
    egger = result.egger_lm or {}
    caption = "Egger's test not computed."
    if egger.get("stat") is not None:
        caption = (
            f"Egger's regression test: t = {egger['stat']:.2f}, df = {egger.get('df')}, "
            f"p = {format_p(egger.get('pval'))}."
        )
    return (
        p9.ggplot(pd.DataFrame({"yi": yi, "sei": sei}), p9.aes(x="yi", y="sei"))
        + p9.geom_polygon(region, p9.aes(x="x", y="y"), fill="#eef2f7", color="#9aa9ba")
        + p9.geom_vline(xintercept=result.estimate, color="#1f4e79")
        + p9.geom_point(size=2, fill="#1f4e79", color="white", shape="o")
        + p9.scale_y_reverse(name="Standard error")
        + p9.scale_x_continuous(breaks=ticks, labels=tick_labels, name=measure.axis_label)
        + p9.labs(title="Funnel plot", caption=caption)
        + p9.theme_classic(base_size=8)
        + p9.theme(figure_size=(5.5, 4.2))
    )


def draw_gosh(result: MetaResult) -> Any:
    """GOSH plot: fixed-effect estimate against I² of every subset of the studies."""
    import plotnine as p9

    measure = result.effect_measure()
    fits = gosh(np.asarray(result.yi), np.asarray(result.vi), "FE", list(result.study)).frame()
    ticks, tick_labels = _axis(
        result, [float(fits["estimate"].min()), float(fits["estimate"].max())]
    )
    plot = p9.ggplot(fits, p9.aes(x="estimate", y="I2"))
    if len(fits) > GOSH_POINTS_MAX:
        plot += p9.geom_bin_2d(bins=60)
        plot += p9.scale_fill_gradient(low="#dde6f0", high="#1f4e79", name="subsets")
    else:
        plot += p9.geom_point(size=1.2, alpha=0.5, color="#1f4e79")
    return (
        plot
        + p9.scale_x_continuous(breaks=ticks, labels=tick_labels, name=measure.axis_label)
        + p9.scale_y_continuous(name="I² (%)", limits=(0, 100))
        + p9.labs(
            title=f"GOSH plot: {len(fits):,} subsets of {result.k} studies",
            caption="Fixed-effect estimate and I² of every non-empty subset (Olkin et al. 2012).",
        )
        + p9.theme_classic(base_size=8)
        + p9.theme(figure_size=(5.5, 4.2))
    )
