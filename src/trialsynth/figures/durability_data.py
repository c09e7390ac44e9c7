"""The elements of the durability figure on the proportion scale, from the stage tables.

Study rows of the decay model's input (``expit(y_i)`` with the Wald CI
``expit(y_i -/+ z sqrt(v_i))``, metafor ``escalc("PLO")`` back-transformed with
``transf.ilogit``), each horizon window's pooled estimate per modality, the decay model's
predicted curve (metafor ``predict(model, newmods, transf = transf.ilogit)``) and the median
times per arm (see :mod:`trialsynth.figures.durability`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from trialsynth.errors import InputError
from trialsynth.meta.result import MetaResult
from trialsynth.tables import check_has_columns

#: Points of the predicted curve (evenly spaced on the log horizon axis).
CURVE_POINTS = 60


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
    """The normal quantile of a two-sided ``level`` % interval, as ``scipy.stats.norm.ppf``
    computes it (``ndtri`` of the upper tail's probability) without importing
    ``scipy.stats`` (~0.6 s of the durability figure's start-up)."""
    return float(special.ndtri(1 - (1 - level / 100) / 2))


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
