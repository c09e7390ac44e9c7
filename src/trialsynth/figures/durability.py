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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from trialsynth.errors import InputError
from trialsynth.meta.result import MetaResult
from trialsynth.tables import check_has_columns

#: Points of the predicted curve (evenly spaced on the log horizon axis).
CURVE_POINTS = 60
#: Columns of the figure's number table (``durability_figure.csv``).
TABLE_COLUMNS = (
    "element",
    "modality",
    "label",
    "horizon_days",
    "horizon_lb",
    "horizon_ub",
    "proportion",
    "ci_lb",
    "ci_ub",
    "n",
    "k",
)
#: Colour-blind-safe colours (Okabe-Ito) given to modalities in sorted order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


@dataclass(frozen=True)
class WindowSpec:
    """A horizon window of the protocol: analysis id, title and day limits."""

    id: str
    title: str
    min_days: float
    max_days: float | None = None
    target_days: float | None = None


@dataclass
class DurabilityData:
    """Everything the durability figure draws, each on the proportion scale."""

    modality_name: str
    points: pd.DataFrame
    windows: pd.DataFrame
    curve: pd.DataFrame
    medians: pd.DataFrame
    level: float = 95.0
    notes: list[str] = field(default_factory=list)

    @property
    def modalities(self) -> list[str]:
        """Every modality drawn, sorted (the colour order)."""
        values: set[str] = set()
        for frame in (self.points, self.windows, self.curve, self.medians):
            if "modality" in frame.columns:
                values.update(str(v) for v in frame["modality"].dropna())
        return sorted(values)

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw."""
        return all(f.empty for f in (self.points, self.windows, self.curve, self.medians))


def _crit(level: float) -> float:
    return float(stats.norm.ppf(1 - (1 - level / 100) / 2))


def _require(table: pd.DataFrame, columns: Sequence[str], what: str, path: object) -> None:
    check_has_columns(
        table,
        columns,
        f"{what} has no column(s)",
        f"give the table of the {what} written by `trialsynth outcomes`",
        path,
    )


def study_points(
    decay: pd.DataFrame, modality: str, level: float = 95.0, path: object = None
) -> pd.DataFrame:
    """Study rows of the decay input on the proportion scale with their CIs and ``n`` (the
    table's ``ni``).

    Raises
    ------
    InputError
        A column is missing (a decay table without ``xi``/``ni`` was written before the
        outcomes stage kept the counts: rerun it), or a row has no horizon, a non-finite ``yi``,
        ``vi <= 0`` or no arm size.
    """
    _require(
        decay,
        ["study", "yi", "vi", "xi", "ni", "horizon_days", modality],
        "decay model input",
        path,
    )
    yi = pd.to_numeric(decay["yi"]).to_numpy(dtype=float)
    vi = pd.to_numeric(decay["vi"]).to_numpy(dtype=float)
    days = pd.to_numeric(decay["horizon_days"]).to_numpy(dtype=float)
    n = pd.to_numeric(decay["ni"], errors="coerce").to_numpy(dtype=float)
    for i in range(len(decay)):
        drawable = math.isfinite(yi[i]) and math.isfinite(vi[i]) and vi[i] > 0 and days[i] > 0
        if not (drawable and math.isfinite(n[i]) and n[i] > 0):
            raise InputError(
                f"row {decay['study'].iloc[i]!r}: yi={yi[i]}, vi={vi[i]}, "
                f"horizon_days={days[i]}, ni={n[i]} cannot be drawn",
                path=path,
                record=f"row {i + 2}",
                hint="every decay row needs a finite yi, vi > 0, horizon_days > 0 and ni > 0",
            )
    p = special.expit(yi)
    crit = _crit(level) * np.sqrt(vi)
    return pd.DataFrame(
        {
            "modality": decay[modality].astype(str).to_numpy(),
            "label": decay["study"].astype(str).to_numpy(),
            "horizon_days": days,
            "proportion": p,
            "ci_lb": special.expit(yi - crit),
            "ci_ub": special.expit(yi + crit),
            "n": n,
        }
    )


def window_estimates(
    windows: Sequence[tuple[WindowSpec, MetaResult, pd.DataFrame]], modality: str
) -> pd.DataFrame:
    """Pooled proportion per window and modality from the windows' subgroup results.

    Each window is drawn at its protocol ``target`` (else the geometric mean of its rows'
    horizons) and spans its limits (an open upper limit ends at the longest horizon).
    A result without subgroups (one modality) gives its overall estimate for the single
    modality of its table; an empty result (no study) gives no row.
    """
    rows: list[dict[str, Any]] = []
    for spec, result, table in windows:
        if result.k == 0 or table.empty:
            continue
        days = pd.to_numeric(table["horizon_days"], errors="coerce")
        groups: Mapping[str, Any]
        if result.subgroups and result.subgroups.get("subgroups"):
            groups = result.subgroups["subgroups"]
        else:
            levels = sorted(table[modality].dropna().astype(str).unique())
            if len(levels) != 1:
                raise InputError(
                    f"window {spec.id}: a result without subgroups for modalities {levels}",
                    hint=f"run `trialsynth meta --by {modality}` for this window",
                )
            groups = {
                levels[0]: {
                    "k": result.k,
                    "estimate": result.estimate,
                    "ci_lb": result.ci_lb,
                    "ci_ub": result.ci_ub,
                }
            }
        for level, fit in groups.items():
            inside = days[table[modality].astype(str) == str(level)].dropna()
            x = spec.target_days
            if x is None:
                x = float(np.exp(np.log(inside).mean())) if len(inside) else spec.min_days
            upper = spec.max_days if spec.max_days is not None else float(days.max())
            rows.append(
                {
                    "modality": str(level),
                    "label": spec.id,
                    "horizon_days": float(x),
                    "horizon_lb": float(spec.min_days),
                    "horizon_ub": float(max(upper, spec.min_days)),
                    "proportion": float(special.expit(fit["estimate"])),
                    "ci_lb": float(special.expit(fit["ci_lb"])),
                    "ci_ub": float(special.expit(fit["ci_ub"])),
                    "k": int(fit["k"]),
                }
            )
    columns = ["modality", "label", "horizon_days", "horizon_lb", "horizon_ub"]
    return pd.DataFrame(rows, columns=[*columns, "proportion", "ci_lb", "ci_ub", "k"])


def decay_curve(
    result: MetaResult,
    modality: str,
    ranges: Mapping[str, tuple[float, float]],
    horizon: str = "horizon_days",
    points: int = CURVE_POINTS,
) -> pd.DataFrame:
    """Predicted proportion and CI of the decay model for each modality over its day range.

    metafor ``predict(model, newmods, transf = transf.ilogit)`` at ``points`` horizons evenly
    spaced on the log axis between the shortest and longest horizon of that modality's rows
    (``ranges``: level -> (lower, upper) days), so the curve is not extrapolated.
    """
    from trialsynth.meta.predict import predict

    frames = []
    for level, (lower_days, upper_days) in sorted(ranges.items()):
        grid = np.geomspace(lower_days, upper_days, points)
        newmods = pd.DataFrame({horizon: grid, modality: [str(level)] * len(grid)})
        pred = predict(result, newmods, transform="expit")
        frames.append(
            pd.DataFrame(
                {
                    "modality": str(level),
                    "horizon_days": grid,
                    "proportion": pred["pred"].to_numpy(),
                    "ci_lb": pred["ci_lb"].to_numpy(),
                    "ci_ub": pred["ci_ub"].to_numpy(),
                }
            )
        )
    columns = ["modality", "horizon_days", "proportion", "ci_lb", "ci_ub"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def median_marks(medians: pd.DataFrame, modality: str, path: object = None) -> pd.DataFrame:
    """Median times per arm (never pooled): modality, study label, days and ``n``."""
    if medians.empty:
        return pd.DataFrame(columns=["modality", "label", "horizon_days", "n"])
    _require(medians, ["study", "median_days", modality], "median-times table", path)
    days = pd.to_numeric(medians["median_days"], errors="coerce")
    kept = medians[days.notna() & (days > 0)]
    n = pd.to_numeric(kept["arm_n"], errors="coerce") if "arm_n" in kept else np.nan
    return pd.DataFrame(
        {
            "modality": kept[modality].astype(str).to_numpy(),
            "label": kept["study"].astype(str).to_numpy(),
            "horizon_days": days[kept.index].to_numpy(dtype=float),
            "n": np.asarray(n, dtype=float) if not np.isscalar(n) else np.nan,
        }
    )


def durability_table(
    data: DurabilityData, predictions: Sequence[Mapping[str, Any]] = ()
) -> pd.DataFrame:
    """The figure's numbers as one table (``TABLE_COLUMNS``), one row per drawn element.

    ``predictions`` are the decay model's stated predictions (e.g. at 18 and 180 days) as
    ``{<modality column>, horizon_days, pred, ci_lb, ci_ub}``; the curve itself is not tabulated.
    """
    frames = []
    if not data.points.empty:
        frames.append(data.points.assign(element="study"))
    if not data.windows.empty:
        frames.append(data.windows.assign(element="window"))
    rows = [
        {
            "element": "model",
            "modality": str(p[data.modality_name]),
            "label": "predicted",
            "horizon_days": float(p["horizon_days"]),
            "proportion": float(p["pred"]),
            "ci_lb": float(p["ci_lb"]),
            "ci_ub": float(p["ci_ub"]),
        }
        for p in predictions
    ]
    if rows:
        frames.append(pd.DataFrame(rows))
    if not data.medians.empty:
        frames.append(data.medians.assign(element="median"))
    if not frames:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    table = pd.concat(frames, ignore_index=True).reindex(columns=list(TABLE_COLUMNS))
    for col in ("n", "k"):
        table[col] = pd.array([None if pd.isna(v) else int(v) for v in table[col]], dtype="Int64")
    return table


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


def draw_durability(data: DurabilityData, title: str = "", caption: str = "") -> Any:
    """Build the plotnine figure (see the module docstring); a figure saying "no data" when
    there is nothing to draw."""
    import plotnine as p9

    theme = p9.theme_bw(base_size=9) + p9.theme(
        figure_size=(8, 5.2),
        legend_position="bottom",
        panel_grid_minor=p9.element_blank(),
        plot_caption=p9.element_text(ha="left", size=7),
    )
    if data.empty:
        reason = "; ".join(data.notes) or "no study reports the proportion still benefiting"
        return (
            p9.ggplot()
            + p9.annotate("text", x=0.5, y=0.5, label=f"No durability data: {reason}", size=10)
            + p9.scale_x_continuous(limits=(0, 1), breaks=[])
            + p9.scale_y_continuous(limits=(0, 1), breaks=[])
            + p9.labs(title=title, x="", y="")
            + theme
        )
    colours = _colours(data)
    horizons = [
        *data.points.get("horizon_days", []),
        *data.windows.get("horizon_lb", []),
        *data.windows.get("horizon_ub", []),
        *data.curve.get("horizon_days", []),
        *data.medians.get("horizon_days", []),
    ]
    lower, upper = min(horizons) / 1.3, max(horizons) * 1.3
    breaks = _breaks(lower, upper)
    points = _dodged(data.points, data.modalities) if not data.points.empty else data.points
    windows = _dodged(data.windows, data.modalities) if not data.windows.empty else data.windows
    plot = p9.ggplot()
    if not data.curve.empty:
        plot += p9.geom_ribbon(
            data.curve,
            p9.aes(x="horizon_days", ymin="ci_lb", ymax="ci_ub", fill="modality"),
            alpha=0.15,
        )
        plot += p9.geom_line(
            data.curve, p9.aes(x="horizon_days", y="proportion", colour="modality"), size=0.8
        )
    if not points.empty:
        plot += p9.geom_linerange(
            points,
            p9.aes(x="x", ymin="ci_lb", ymax="ci_ub", colour="modality"),
            alpha=0.45,
            size=0.4,
        )
        plot += p9.geom_point(
            points,
            p9.aes(x="x", y="proportion", colour="modality", size="n"),
            alpha=0.6,
        )
    if not windows.empty:
        plot += p9.geom_segment(
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
        )
        plot += p9.geom_linerange(
            windows,
            p9.aes(x="x", ymin="ci_lb", ymax="ci_ub", colour="modality"),
            size=1.1,
        )
        plot += p9.geom_point(
            windows,
            p9.aes(x="x", y="proportion", fill="modality"),
            shape="D",
            size=3.2,
            colour="black",
        )
    if not data.medians.empty:
        marks = data.medians.assign(
            y=-0.035, text=[f"{d:g} d" for d in data.medians["horizon_days"]]
        )
        plot += p9.geom_point(
            marks, p9.aes(x="horizon_days", y="y", colour="modality"), shape="^", size=2.6
        )
        plot += p9.geom_text(
            marks,
            p9.aes(x="horizon_days", y="y", label="text", colour="modality"),
            nudge_y=-0.045,
            size=6.5,
            show_legend=False,
        )
    name = data.modality_name.replace("_", " ").capitalize()
    plot += p9.scale_x_log10(
        breaks=breaks, labels=[f"{b:g}" for b in breaks], limits=(lower, upper)
    )
    plot += p9.scale_y_continuous(
        breaks=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
        labels=["0%", "20%", "40%", "60%", "80%", "100%"],
        limits=(-0.1, 1.0),
    )
    plot += p9.scale_colour_manual(values=colours, name=name)
    plot += p9.scale_fill_manual(values=colours, name=name)
    plot += p9.scale_size_area(max_size=7, name="People (n)")
    plot += p9.geom_hline(yintercept=0, size=0.3, colour="#888888")
    plot += p9.labs(
        title=title,
        x="Days since the last dose (log scale)",
        y="Proportion still benefiting",
        caption=caption,
    )
    return plot + theme


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
