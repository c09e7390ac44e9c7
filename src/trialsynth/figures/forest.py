"""Forest plot of a random-effects meta-analysis as RevMan and metafor draw it (plotnine).

Layout (Cochrane RevMan 5 "forest plot"; metafor ``forest.rma``, Viechtbauer 2010, J Stat Softw
36(3)): one row per study with the numbers behind it (events/total per arm, or mean, SD and
total), its random-effects weight in percent (``1 / (v_i + tau^2)``), its estimate with the Wald
confidence interval ``y_i +/- z sqrt(v_i)`` drawn as a square whose area is proportional to the
weight, and the estimate printed as ``1.23 [0.98, 1.55]``. The pooled estimate is a diamond
spanning its confidence interval; the prediction interval is a bar on its own row. A subgroup
analysis (protocol ``by``) draws one block per subgroup with its own diamond and heterogeneity,
and the test for subgroup differences in the footer. The footer states tau^2, I^2 with their
Q-profile CIs, Q with its df and p, and the test for the overall effect; "favours" labels sit
under the axis, whose ticks are round values on the reporting scale.

A single-study analysis (k = 1) shows the study and says k = 1: nothing is pooled, so there is
no diamond and no prediction interval (metafor gives the study's CI as the "PI" at k = 1). A
meta-regression has no single pooled estimate: its rows are drawn without weights or diamond and
the footer says where its coefficients are.

Study labels are fitted to the label column: a label wider than the column ends with an
ellipsis (the full label stays in the report's tables); a long title is wrapped to the width.

The figure reads only the analysis input table and the engine's result, so every number drawn is
one the report also prints.

This module is the public entry point; the work is split by concern: the table of rows and
cells (:mod:`~trialsynth.figures.forest_rows`), the footer texts
(:mod:`~trialsynth.figures.forest_footer`), the rows computed from a result
(:mod:`~trialsynth.figures.forest_layout`), the column geometry
(:mod:`~trialsynth.figures.forest_geometry`), the placed marks
(:mod:`~trialsynth.figures.forest_marks`) and the plotnine layers
(:mod:`~trialsynth.figures.forest_layers`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.figures.forest_footer import T_TESTS, is_meta_regression
from trialsynth.figures.forest_geometry import FONT_SIZE, LABEL_WIDTH
from trialsynth.figures.forest_layers import forest_plot
from trialsynth.figures.forest_layout import forest_layout
from trialsynth.figures.forest_marks import place_marks
from trialsynth.figures.forest_rows import ForestLayout, format_effect
from trialsynth.figures.save import save_figure
from trialsynth.meta.result import MetaResult

__all__ = [
    "FONT_SIZE",
    "LABEL_WIDTH",
    "T_TESTS",
    "ForestLayout",
    "draw_forest",
    "forest_from_files",
    "forest_layout",
    "format_effect",
    "is_meta_regression",
    "save_forest",
]

log = logging.getLogger(__name__)


def draw_forest(layout: ForestLayout) -> Any:
    """Build the plotnine figure of ``layout`` (see the module docstring).

    The marks are placed in inches (:func:`trialsynth.figures.forest_marks.place_marks`), then
    drawn as plotnine layers (:func:`trialsynth.figures.forest_layers.forest_plot`).
    """
    return forest_plot(place_marks(layout))


def forest_from_files(
    result: MetaResult,
    data: pd.DataFrame | None,
    spec: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Any:
    """The figure of one protocol analysis (its ``title``, ``by`` and ``favours``).

    The "favours" labels are the protocol entry's: an entry without them (a single-arm
    analysis, whose estimate favours no side) draws none, never the measure's generic labels,
    which point the wrong way when a lower value is the benefit (relapse, hazard of relapse).
    Without a protocol entry (``spec`` has no ``id``) the measure's labels are drawn.
    """
    spec = spec or {}
    favours = spec.get("favours")
    if not favours and "id" in spec:
        log.info("analysis %s: the protocol gives no favours labels; none drawn", spec["id"])
        favours = ("", "")
    layout = forest_layout(
        result,
        data,
        labels=labels,
        by=spec.get("by"),
        favours=favours,
        title=str(spec.get("title", "")),
    )
    return draw_forest(layout)


def save_forest(plot: Any, path: str | Path) -> None:
    """Save a forest plot (PNG at 300 dpi, SVG with editable text; deterministic bytes)."""
    save_figure(plot, path)
