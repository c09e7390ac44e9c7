"""Which outcome rows of a study an arm analysis may read, or the first reason it reads none.

The reasons are tried in this order: screening decision, arm filters, no usable numbers (for
``effect_estimate``: no usable estimate with its CI), on-treatment rows, horizon not
convertible, horizon (or time point) outside the analysis window.
"""

from __future__ import annotations

import math
from typing import Any

from trialsynth.outcomes.arm_rows import Reason, Row


def passes(row: Row, filters: dict[str, list[str]]) -> bool:
    """Whether the row's code of every filtered field is one of the allowed values."""
    return all(str(row.get(field)) in allowed for field, allowed in filters.items())


def dose_day(row: Row) -> float | None:
    """Days since the dose for outcomes measured soon after it: the row's time point, or its
    horizon after the course when the sheet counts from the end of the course."""
    if row["timepoint_days"] is not None:
        return float(row["timepoint_days"])
    if row["horizon_status"] == "after_course" and row["horizon_days"] is not None:
        return float(row["horizon_days"])
    return None


def qualifying_rows(
    spec: dict[str, Any],
    study_id: str,
    rows: list[Row],
    screen: dict[str, dict[str, Any]],
) -> list[Row] | Reason:
    """The rows of one study that qualify, or the first reason to leave the study out."""
    decision = screen.get(study_id)
    if decision is not None and decision.get("decision") == "exclude":
        return "screening", f"screening decision exclude: {decision.get('reason') or ''}"
    filters = dict(spec.get("arm_filters") or {})
    controls = spec.get("control_filters")
    if controls:
        kept = [r for r in rows if passes(r, filters) or passes(r, controls)]
    else:
        kept = [r for r in rows if passes(r, filters)]
    if not kept:
        codes = sorted({tuple(str(r.get(f)) for f in filters) for r in rows})
        return "arm_filter", f"no arm with {filters} (arms coded {codes})"
    if spec["kind"] == "effect_estimate":
        return _with_estimate(spec, kept)
    usable = [r for r in kept if r["usable"]]
    if not usable:
        issues = sorted({str(r["issue"]) for r in kept})
        return "no_usable_numbers", "; ".join(issues)
    if spec.get("timepoint_days"):
        return _in_time_window(spec["timepoint_days"], usable)
    return _in_horizon_window(spec, usable)


def _with_estimate(spec: dict[str, Any], rows: list[Row]) -> list[Row] | Reason:
    wanted = set(spec.get("effect_measures") or [])
    kept = [
        r
        for r in rows
        if r["effect_measure"] in wanted
        and None not in (r["effect"], r["ci_low"], r["ci_high"])
        and not str(r["issue"] or "").startswith("duplicate of")
    ]
    if not kept:
        return "no_effect_estimate", f"no usable {sorted(wanted)} estimate with its CI"
    return kept


def _in_horizon_window(spec: dict[str, Any], usable: list[Row]) -> list[Row] | Reason:
    on_treatment = bool(spec.get("on_treatment", False))
    status = "on_treatment" if on_treatment else "after_course"
    timed = [r for r in usable if r["horizon_status"] == status]
    if not timed:
        statuses = sorted({str(r["horizon_status"]) for r in usable})
        if not on_treatment and statuses == ["on_treatment"]:
            return "on_treatment", "every usable row was measured while the drug continued"
        if on_treatment:
            return "not_on_treatment", f"no on-treatment row (horizons: {statuses})"
        bases = sorted({str(r["horizon_basis"]) for r in usable if r["horizon_basis"]})
        return "horizon_not_convertible", "; ".join(bases) or "no horizon after the course"
    window = spec.get("horizon_days") or {}
    if on_treatment and not window:
        return timed
    lo, hi = window.get("min", 0), window.get("max", math.inf)
    inside = [r for r in timed if r["horizon_days"] is not None and lo <= r["horizon_days"] <= hi]
    if not inside:
        days = sorted({r["horizon_days"] for r in timed if r["horizon_days"] is not None})
        return "horizon_outside_window", f"horizons (days) {days or '-'}; window {lo}..{hi}"
    return inside


def _in_time_window(window: dict[str, float], rows: list[Row]) -> list[Row] | Reason:
    lo, hi = window.get("min", 0), window.get("max", math.inf)
    inside = [r for r in rows if (d := dose_day(r)) is not None and lo <= d <= hi]
    if inside:
        return inside
    days = sorted({d for r in rows if (d := dose_day(r)) is not None})
    return "timepoint_outside_window", f"time points (days) {days or '-'}; window {lo}..{hi}"
