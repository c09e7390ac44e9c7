"""The table of median times (e.g. to relapse) by modality: tabulated, never pooled.

A median time is not an effect with a variance, so it is listed, one row per arm, beside the
pooled analyses: the arm's codes (drug, psychotherapy), the median in days, how many people it
rests on and the longest follow-up, with the source and its quality.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialsynth.outcomes.rules import OutcomeRules

#: Columns of ``median_times.csv``.
MEDIAN_COLUMNS = (
    "study",
    "study_id",
    "nct_id",
    "pmid",
    "outcome",
    "measure_title",
    "group",
    "drug",
    "route",
    "condition",
    "psychotherapy",
    "psychotherapy_type",
    "arm_n",
    "median_days",
    "follow_up_days",
    "horizon_basis",
    "source",
    "source_quality",
    "record_id",
)


def median_table(rows: list[dict[str, Any]], rules: OutcomeRules) -> pd.DataFrame:
    """Every usable row of an outcome of kind ``median``, sorted by psychotherapy then median."""
    medians = [
        r
        for r in rows
        if r["outcome"] in rules.definitions
        and rules.definitions[r["outcome"]].kind == "median"
        and r["usable"]
    ]
    table = pd.DataFrame(
        [
            {
                **{col: r.get(col) for col in MEDIAN_COLUMNS},
                "study": r["study_label"] or r["study_id"],
                "follow_up_days": r["horizon_days"],
            }
            for r in medians
        ],
        columns=list(MEDIAN_COLUMNS),
    )
    if table.empty:
        return table
    table["arm_n"] = pd.array(
        [None if pd.isna(v) else int(v) for v in table["arm_n"]], dtype="Int64"
    )
    return table.sort_values(
        ["psychotherapy", "median_days", "study"], kind="stable", na_position="last"
    ).reset_index(drop=True)
