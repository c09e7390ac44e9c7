"""The durability figure's numbers as one table, one row per drawn element.

The report prints it beside the figure (``durability_figure.csv``, schema
``durability_figure.schema.json``); the predicted curve is not tabulated, the decay model's
predictions at its stated horizons are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from trialsynth.figures.durability_data import DurabilityData

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
