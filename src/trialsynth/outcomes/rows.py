"""The columns of ``outcomes.csv`` and ``outcome_exclusions.csv`` and their row constructors."""

from __future__ import annotations

from typing import Any

#: Arm numbers a row holds (read from the source or derived), in column order.
ARM_NUMBER_COLUMNS: tuple[str, ...] = ("arm_n", "events", "percent", "mean", "sd", "median_days")
#: A reported effect estimate and its confidence interval, in column order.
ESTIMATE_COLUMNS: tuple[str, ...] = ("effect", "ci_low", "ci_high")

#: Columns of ``outcomes.csv`` (one row per arm and outcome/time point), in order.
OUTCOME_COLUMNS: tuple[str, ...] = (
    "record_id",
    "study_id",
    "nct_id",
    "pmid",
    "study_label",
    "source_kind",
    "source",
    "source_file",
    "locator",
    "source_quality",
    "outcome",
    "data_version",
    "measure_title",
    "measure_key",
    "timepoint_text",
    "timepoint_days",
    "horizon_days",
    "horizon_ref",
    "horizon_status",
    "horizon_basis",
    "group",
    "arm_role",
    "drug",
    "route",
    "psychotherapy",
    "psychotherapy_type",
    "condition",
    "design",
    "arm_codes_from",
    "param_type",
    "unit",
    "posted_value",
    "posted_spread",
    "dispersion",
    *ARM_NUMBER_COLUMNS,
    "effect_measure",
    *ESTIMATE_COLUMNS,
    "derivation",
    "usable",
    "issue",
    "used_in",
    "not_used",
)

#: Columns of ``outcome_exclusions.csv`` (one row per study left out of an analysis, or per
#: outcome record that could not be used at all when ``analysis_id`` is empty).
EXCLUSION_COLUMNS: tuple[str, ...] = (
    "analysis_id",
    "study_id",
    "nct_id",
    "pmid",
    "source_kind",
    "outcome",
    "reason",
    "detail",
)


def new_row(**values: Any) -> dict[str, Any]:
    """An outcome row with every column present (missing ones ``None``, ``usable`` False)."""
    unknown = set(values) - set(OUTCOME_COLUMNS)
    if unknown:
        raise KeyError(f"unknown outcome column(s) {sorted(unknown)}")
    row: dict[str, Any] = dict.fromkeys(OUTCOME_COLUMNS)
    row["usable"] = False
    row.update(values)
    return row


def exclusion(
    analysis_id: str | None,
    reason: str,
    detail: str,
    *,
    study_id: str | None = None,
    nct_id: str | None = None,
    pmid: str | None = None,
    source_kind: str | None = None,
    outcome: str | None = None,
) -> dict[str, Any]:
    """One row of ``outcome_exclusions.csv``."""
    return {
        "analysis_id": analysis_id,
        "study_id": study_id,
        "nct_id": nct_id,
        "pmid": pmid,
        "source_kind": source_kind,
        "outcome": outcome,
        "reason": reason,
        "detail": detail,
    }
