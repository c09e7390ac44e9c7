"""The plotnine layers and scales of the durability figure.

One colour per modality (Okabe-Ito, colour-blind safe); points and windows at one horizon are
moved apart by modality on the log axis. Layers are added in a fixed order (curve, studies,
windows, medians, scales) so the saved files are byte-for-byte the same from run to run.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialsynth.figures.durability_data import DurabilityData

#: Colour-blind-safe colours (Okabe-Ito) given to modalities in sorted order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Horizontal offset factor between modalities on the log axis (points at one horizon apart).
DODGE = 1.07


def _dodged(frame: pd.DataFrame, modalities: list[str]) -> pd.DataFrame:
    """``frame`` with ``x``: its horizon moved apart by modality (a factor on the log axis)."""
    middle = (len(modalities) - 1) / 2
    shift = {m: DODGE ** (i - middle) for i, m in enumerate(modalities)}
    return frame.assign(x=frame["horizon_days"] * frame["modality"].map(shift).astype(float))


def _colours(data: DurabilityData) -> dict[str, str]:
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(data.modalities)}


def _breaks(lower: float, upper: float) -> list[float]:
    candidates = [1.0, 2, 3, 7, 14, 18, 28, 56, 90, 180, 365, 730, 1095, 1825]
    inside = [c for c in candidates if lower <= c <= upper]
    return inside or [float(round(lower)), float(round(upper))]


def curve_layers(data: DurabilityData) -> list[Any]:
    """The decay model's predicted curve and its confidence band."""
    import plotnine as p9

    if data.curve.empty:
        return []
    return [
        p9.geom_ribbon(
            data.curve,
            p9.aes(x="horizon_days", ymin="ci_lb", ymax="ci_ub", fill="modality"),
            alpha=0.15,
        ),
        p9.geom_line(
            data.curve, p9.aes(x="horizon_days", y="proportion", colour="modality"), size=0.8
        ),
    ]


def study_layers(data: DurabilityData) -> list[Any]:
    """Every study row as a point (area by ``n``) with its CI, dodged by modality."""
    import plotnine as p9

    if data.points.empty:
        return []
    points = _dodged(data.points, data.modalities)
    return [
        p9.geom_linerange(
            points,
            p9.aes(x="x", ymin="ci_lb", ymax="ci_ub", colour="modality"),
            alpha=0.45,
            size=0.4,
        ),
        p9.geom_point(
            points,
            p9.aes(x="x", y="proportion", colour="modality", size="n"),
            alpha=0.6,
        ),
    ]


def window_layers(data: DurabilityData) -> list[Any]:
    """Each window's pooled estimate as a diamond with its CI and a dashed bar over the window."""
    import plotnine as p9

    if data.windows.empty:
        return []
    windows = _dodged(data.windows, data.modalities)
    return [
        p9.geom_segment(
            windows,
            p9.aes(
                x="horizon_lb",
                xend="horizon_ub",
                y="proportion",
                yend="proportion",
                colour="modality",
            ),
            size=0.5,
            linetype="dashed",
        ),
        p9.geom_linerange(
            windows,
            p9.aes(x="x", ymin="ci_lb", ymax="ci_ub", colour="modality"),
            size=1.1,
        ),
        p9.geom_point(
            windows,
            p9.aes(x="x", y="proportion", fill="modality"),
            shape="D",
            size=3.2,
            colour="black",
        ),
    ]


def median_layers(data: DurabilityData) -> list[Any]:
    """Median times per arm as triangles under the axis, labelled with the days."""
    import plotnine as p9

    if data.medians.empty:
        return []
    marks = data.medians.assign(y=-0.035, text=[f"{d:g} d" for d in data.medians["horizon_days"]])
    return [
        p9.geom_point(
            marks, p9.aes(x="horizon_days", y="y", colour="modality"), shape="^", size=2.6
        ),
        p9.geom_text(
            marks,
            p9.aes(x="horizon_days", y="y", label="text", colour="modality"),
            nudge_y=-0.045,
            size=6.5,
            show_legend=False,
        ),
    ]


def scale_layers(data: DurabilityData) -> list[Any]:
    """The log horizon axis over every element, the percent axis, the modality colours and the
    size legend, and the zero line."""
    import plotnine as p9

    horizons = [
        *data.points.get("horizon_days", []),
        *data.windows.get("horizon_lb", []),
        *data.windows.get("horizon_ub", []),
        *data.curve.get("horizon_days", []),
        *data.medians.get("horizon_days", []),
    ]
    lower, upper = min(horizons) / 1.3, max(horizons) * 1.3
    breaks = _breaks(lower, upper)
    colours = _colours(data)
    name = data.modality_name.replace("_", " ").capitalize()
    return [
        p9.scale_x_log10(breaks=breaks, labels=[f"{b:g}" for b in breaks], limits=(lower, upper)),
        p9.scale_y_continuous(
            breaks=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
            labels=["0%", "20%", "40%", "60%", "80%", "100%"],
            limits=(-0.1, 1.0),
        ),
        p9.scale_colour_manual(values=colours, name=name),
        p9.scale_fill_manual(values=colours, name=name),
        p9.scale_size_area(max_size=7, name="People (n)"),
        p9.geom_hline(yintercept=0, size=0.3, colour="#888888"),
    ]
