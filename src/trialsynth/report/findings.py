"""Summary of findings rows and the key findings in plain words, from the analyses.

One summary-of-findings row per analysis (GRADE SoF table, Guyatt et al. J Clin Epidemiol
2011;64:383): outcome and horizon, comparison, studies and participants, the relative effect with
its CI, the absolute effect per 1,000 at the control-arm risk (binary outcomes), and the drafted
certainty with the reason of every downgrade. Key findings restate these in one sentence each,
linking to the section that holds the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trialsynth.formatting import finite
from trialsynth.meta.measures import BINARY
from trialsynth.report.certainty import Certainty, arm_totals


@dataclass
class SummaryRow:
    """One row of the summary of findings table."""

    analysis: str
    title: str
    outcome: str
    horizon: str
    comparison: str
    k: int
    participants: str
    relative: str
    absolute: str
    certainty: str
    reasons: list[str]


def horizon(spec: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    """The time point of the analysis: the protocol's target day, else the rows' days."""
    window = spec.get("timepoint_days") or {}
    if "target" in window:
        return f"day {window['target']:g}"
    days = sorted({d for d in (finite(r.get("timepoint_days")) for r in rows) if d is not None})
    if days:
        return ", ".join(f"day {d:g}" for d in days)
    return "as reported (no fixed time point)"


def comparison(spec: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    """What was compared, from the coded drug of the rows and the protocol's comparator."""
    drugs = sorted({str(r["drug"]) for r in rows if r.get("drug")})
    comparators = (spec.get("filters") or {}).get("comparator") or sorted(
        {str(r["comparator"]) for r in rows if r.get("comparator")}
    )
    left = "/".join(drugs) if drugs else "experimental"
    right = "/".join(comparators) if comparators else "control"
    return f"{left} vs {right}"


def absolute_per_1000(
    measure_name: str, estimate: float, lower: float, upper: float, control_risk: float
) -> str:
    """Risk per 1,000 with the control risk and the difference with its CI (reporting scale)."""

    def treated(ratio: float) -> float:
        if measure_name == "OR":
            odds = ratio * control_risk / (1 - control_risk)
            return odds / (1 + odds)
        if measure_name == "RD":
            return control_risk + ratio
        return control_risk * ratio

    base = 1000 * control_risk
    diffs = [1000 * treated(v) - base for v in (estimate, lower, upper)]
    sign = "more" if diffs[0] >= 0 else "fewer"
    return (
        f"{base:.0f} per 1,000 with control; {abs(diffs[0]):.0f} {sign} per 1,000 "
        f"(95% CI {diffs[1]:+.0f} to {diffs[2]:+.0f})"
    )


def summary_row(section: Any, certainty: Certainty) -> SummaryRow:
    """The summary-of-findings row of one analysis section (``report.context``)."""
    result = section.result
    measure = result.effect_measure()
    totals = arm_totals(measure.kind, section.rows)
    participants = totals.get("participants", math.nan)
    relative = absolute = "—"
    est, lo, hi = finite(result.estimate), finite(result.ci_lb), finite(result.ci_ub)
    if est is not None and lo is not None and hi is not None:
        relative = f"{measure.short} {measure.format_effect(est, lo, hi)}"
        back = measure.back_transform
        if measure.kind == BINARY and totals.get("control_n"):
            control_risk = totals["control_events"] / totals["control_n"]
            absolute = absolute_per_1000(measure.name, back(est), back(lo), back(hi), control_risk)
    reasons = [
        f"{d.name.replace('_', ' ')} −{d.levels}: {d.reason}"
        + (" (reviewer)" if d.decided_by == "reviewer" else "")
        for d in certainty.downgrades()
    ]
    return SummaryRow(
        analysis=section.id,
        title=str(section.spec.get("title", section.id)),
        outcome=str(section.spec.get("outcome", "")),
        horizon=horizon(section.spec, section.rows),
        comparison=comparison(section.spec, section.rows),
        k=result.k,
        participants=f"{participants:,.0f}" if math.isfinite(participants) else "—",
        relative=relative,
        absolute=absolute,
        certainty=certainty.rating,
        reasons=reasons,
    )


def direction(section: Any) -> str:
    """Plain words for the pooled effect: which side it favours, or no clear difference."""
    result = section.result
    measure = result.effect_measure()
    lo, hi, est = finite(result.ci_lb), finite(result.ci_ub), finite(result.estimate)
    if lo is None or hi is None or est is None or measure.null is None:
        return ""
    if lo <= measure.null <= hi:
        return "no clear difference (the CI includes no effect)"
    favours = section.spec.get("favours")
    if not favours:  # the protocol names no sides: say only that the CI excludes no effect
        return "the CI excludes no effect"
    side = favours[1] if est > measure.null else favours[0]
    return side[0].lower() + side[1:] if side else ""


def key_finding(section: Any, row: SummaryRow) -> str:
    """One sentence for the top of the report."""
    if section.result.k == 0:
        return f"{row.title}: no study qualified (k = 0)."
    what = f"{row.title}: {row.relative}"
    if section.result.k == 1:
        what += " from a single study (k = 1; nothing pooled)"
    else:
        what += f" from {row.k} studies"
    if row.participants != "—":
        what += f", {row.participants} participants"
    words = direction(section)
    if words:
        what += f": {words}"
    return f"{what}. Certainty {row.certainty}."
