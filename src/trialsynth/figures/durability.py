"""Durability figure: the proportion still benefiting against days since the last dose.

One colour per modality (the levels of the protocol's ``by`` column, e.g. with and without an
added therapy). The figure draws, on a log-scaled horizon axis:

* every study row of the decay model's input as a point at ``expit(y_i)`` with its Wald CI
  ``expit(y_i -/+ z sqrt(v_i))`` (metafor ``escalc("PLO")`` scale, back-transformed as
  ``transf = transf.ilogit``), its area proportional to the number of people;
* the pooled estimate of every horizon window per modality (subgroup fits of ``trialsynth
  meta``) with its CI, a horizontal bar showing the window;
* the decay model's predicted curve with its confidence band: metafor ``predict(model,
  newmods, transf = transf.ilogit)`` of the three-level meta-regression over a grid of horizons
  (:func:`trialsynth.meta.predict.predict`);
* median times (e.g. to relapse) per arm as ticks on the horizon axis, labelled with the days.

The same numbers are returned as one table (:func:`durability_table`) that the report prints
beside the figure. The number of people behind a decay row is its ``ni`` column (the arm size
the outcomes stage counted, before any zero-cell addition): it is never recovered from ``y_i``
and ``v_i``, which a zero-cell correction changes.

This module is the public entry point (the figure and its caption); the elements are computed
in :mod:`~trialsynth.figures.durability_data`, tabulated in
:mod:`~trialsynth.figures.durability_table` and drawn by
:mod:`~trialsynth.figures.durability_layers`.
"""

from __future__ import annotations

from typing import Any

from trialsynth.figures.durability_data import (
    CURVE_POINTS,
    DurabilityData,
    WindowSpec,
    decay_curve,
    median_marks,
    study_points,
    window_estimates,
)
from trialsynth.figures.durability_layers import (
    PALETTE,
    curve_layers,
    median_layers,
    scale_layers,
    study_layers,
    window_layers,
)
from trialsynth.figures.durability_table import TABLE_COLUMNS, durability_table

__all__ = [
    "CURVE_POINTS",
    "PALETTE",
    "TABLE_COLUMNS",
    "DurabilityData",
    "WindowSpec",
    "decay_curve",
    "default_caption",
    "draw_durability",
    "durability_table",
    "median_marks",
    "study_points",
    "window_estimates",
]


def draw_durability(data: DurabilityData, title: str = "", caption: str = "") -> Any:
    """Build the plotnine figure (see the module docstring); a figure saying "no data" when
    there is nothing to draw."""
    import plotnine as p9

    theme = _theme()
    if data.empty:
        return _no_data_figure(data, title, theme)
    plot = p9.ggplot()
    for layer in [
        *curve_layers(data),
        *study_layers(data),
        *window_layers(data),
        *median_layers(data),
        *scale_layers(data),
    ]:
        plot += layer
    plot += p9.labs(
        title=title,
        x="Days since the last dose (log scale)",
        y="Proportion still benefiting",
        caption=caption,
    )
    return plot + theme


def _theme() -> Any:
    """Black-and-white theme, 8 x 5.2 inches, legend at the bottom, caption left-aligned."""
    import plotnine as p9

    return p9.theme_bw(base_size=9) + p9.theme(
        figure_size=(8, 5.2),
        legend_position="bottom",
        panel_grid_minor=p9.element_blank(),
        plot_caption=p9.element_text(ha="left", size=7),
    )


def _no_data_figure(data: DurabilityData, title: str, theme: Any) -> Any:
    """A figure saying why there is nothing to draw."""
    import plotnine as p9

    reason = "; ".join(data.notes) or "no study reports the proportion still benefiting"
    return (
        p9.ggplot()
        + p9.annotate("text", x=0.5, y=0.5, label=f"No durability data: {reason}", size=10)
        + p9.scale_x_continuous(limits=(0, 1), breaks=[])
        + p9.scale_y_continuous(limits=(0, 1), breaks=[])
        + p9.labs(title=title, x="", y="")
        + theme
    )


def default_caption(data: DurabilityData) -> str:
    """What each mark means, with the CI level and the notes of missing parts."""
    lvl = f"{data.level:g}%"
    parts = [
        f"Circles: each study arm at a horizon (area by n) with its {lvl} CI.",
        f"Diamonds: pooled estimate per window and modality with its {lvl} CI "
        "(dashed bar: the window).",
        f"Line and band: three-level meta-regression prediction with its {lvl} CI.",
        "Triangles on the axis: median time (days) per arm.",
        "Comparisons across studies, not randomised.",
    ]
    return "\n".join([*parts, *data.notes])
