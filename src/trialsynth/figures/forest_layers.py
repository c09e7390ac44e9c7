"""The plotnine layers of a forest plot drawn from its placed marks.

Layers are added in a fixed order (line of no effect, axis, ticks, study CIs, prediction
interval, squares, diamonds, texts grouped by alignment and weight) so the saved files are
byte-for-byte the same from run to run.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialsynth.figures.forest_geometry import FONT_SIZE, ROW_HEIGHT
from trialsynth.figures.forest_marks import ForestMarks


def forest_plot(marks: ForestMarks) -> Any:
    """The plotnine figure of ``marks`` (:func:`trialsynth.figures.forest_marks.place_marks`)."""
    import plotnine as p9

    plot = p9.ggplot() + p9.theme_void()
    for layer in [
        *_axis_layers(marks),
        *_interval_layers(marks),
        *_text_layers(marks),
        *_frame(marks),
    ]:
        plot += layer
    return plot


def _axis_layers(marks: ForestMarks) -> list[Any]:
    """The dashed line of no effect (when drawn), the axis line and its ticks."""
    import plotnine as p9

    geo, axis_y = marks.geo, marks.axis_y
    layers: list[Any] = []
    if marks.null_x is not None:
        layers.append(
            p9.annotate(
                "segment",
                x=marks.null_x,
                xend=marks.null_x,
                y=marks.top_of_rows,
                yend=axis_y,
                size=0.3,
                linetype="dashed",
                color="#555555",
            )
        )
    layers.append(
        p9.annotate(
            "segment", x=geo.axis_left, xend=geo.axis_right, y=axis_y, yend=axis_y, size=0.4
        )
    )
    layers.append(
        p9.geom_segment(
            pd.DataFrame(marks.tick_rows), p9.aes(x="x", xend="xend", y="y", yend="yend"), size=0.4
        )
    )
    return layers


def _interval_layers(marks: ForestMarks) -> list[Any]:
    """The studies' CI lines, the prediction-interval bar, the squares and the diamonds."""
    import plotnine as p9

    layers: list[Any] = []
    if marks.segments:
        frame = pd.DataFrame(marks.segments)
        study_ci = frame[~frame["pi"].astype(bool)]
        pi = frame[frame["pi"].astype(bool)]
        segment = p9.aes(x="x", xend="xend", y="y", yend="yend")
        if len(study_ci):
            layers.append(p9.geom_segment(study_ci, segment, size=0.45))
        if len(pi):
            layers.append(p9.geom_segment(pi, segment, size=2.2, color="#7a7a7a"))
    if marks.squares:
        layers.append(
            p9.geom_point(
                pd.DataFrame(marks.squares),
                p9.aes(x="x", y="y", size="size"),
                shape="s",
                fill="#1f4e79",
                color="#1f4e79",
            )
        )
    if marks.diamonds:
        layers.append(
            p9.geom_polygon(
                pd.DataFrame(marks.diamonds), p9.aes(x="x", y="y", group="group"), fill="#111111"
            )
        )
    return layers


def _text_layers(marks: ForestMarks) -> list[Any]:
    """One text layer: the texts grouped by alignment and weight (sorted), each in its
    placing order within its group, drawn as one artist per group
    (:class:`~trialsynth.figures.text_batch.geom_text_batch` batches runs of one style).

    One layer instead of one per group: plotnine's cost of a layer (mapping its aesthetics
    through the scales) is much of the build of a small forest plot.
    """
    import plotnine as p9

    from trialsynth.figures.text_batch import geom_text_batch

    frame = pd.DataFrame(marks.texts).sort_values(["ha", "fontweight"], kind="stable")
    return [
        geom_text_batch(
            frame,
            p9.aes(x="x", y="y", label="label", ha="ha", fontweight="fontweight"),
            va="center_baseline",
            size=FONT_SIZE,
        )
    ]


def _frame(marks: ForestMarks) -> list[Any]:
    """Identity sizes, the drawing area in inches and the figure size (one row per text row)."""
    import plotnine as p9

    height_rows = 0.0 - marks.bottom + 1.0
    return [
        p9.scale_size_identity(),
        p9.coord_cartesian(xlim=(0, marks.geo.width), ylim=(marks.bottom, 0.6), expand=False),
        p9.theme(
            figure_size=(marks.geo.width, max(ROW_HEIGHT * height_rows, 1.5)),
            plot_background=p9.element_rect(fill="white", color="white"),
        ),
    ]
