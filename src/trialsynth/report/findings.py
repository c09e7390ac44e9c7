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

from trialsynth.figures.forest import is_meta_regression
from trialsynth.formatting import finite, format_p
from trialsynth.meta.measures import BINARY, SINGLE_ARM, measure_names, treated_risk
from trialsynth.meta.normal_quantile import norm_isf, t1_isf
from trialsynth.report.certainty import Certainty, arm_totals, single_arm_people


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
    """What was compared, from the coded drug of the rows and the protocol's comparator; single
    arms (proportions, a decay model of logit proportions) were compared with nothing."""
    drugs = sorted({str(r["drug"]) for r in rows if r.get("drug")})
    if spec.get("measure") in measure_names(SINGLE_ARM) or spec.get("kind") == "decay":
        return f"{'/'.join(drugs) or 'treated'} arms (no comparator)"
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

    base = 1000 * control_risk
    diffs = [
        1000 * treated_risk(measure_name, v, control_risk) - base for v in (estimate, lower, upper)
    ]
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
            if not control_risk and measure.name != "RD":
                absolute = (
                    f"no event among {totals['control_n']:.0f} controls: a relative effect "
                    "gives no absolute difference at a control risk of 0"
                )
    elif is_meta_regression(result):
        relative = prediction_summary(section)
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
    if is_meta_regression(section.result):
        return regression_finding(section, row)
    what = f"{row.title}: {row.relative}"
    if section.result.k == 1:
        what += " from a single study (k = 1; nothing pooled)"
    else:
        what += f" from {row.k} studies" + small_k_note(section.result)
    if row.participants != "—":
        what += f", {row.participants} participants"
    words = direction(section)
    if words:
        what += f": {words}"
    return f"{what}. Certainty {row.certainty}."


#: CI tests that use a t distribution with k - 1 degrees of freedom (Knapp-Hartung family).
T_TESTS = frozenset({"knha", "adhoc", "t"})


def small_k_note(result: Any) -> str:
    """Why a k = 2 Knapp–Hartung interval is so wide (the number is right; the reader needs the
    reason): its t quantile has k - 1 = 1 degree of freedom (Knapp & Hartung 2003)."""
    test = str((result.settings or {}).get("test", ""))
    if result.k != 2 or test not in T_TESTS:
        return ""
    level = float(result.level)
    tail = (1 - level / 100) / 2
    quantile = float(t1_isf(tail))
    normal = float(norm_isf(tail))
    return (
        f" (k = 2: a Knapp–Hartung interval has 1 degree of freedom and spans {quantile:.1f} "
        f"standard errors either side instead of {normal:.2f}, so it is very wide)"
    )


def _level_words(by: str, level: str) -> str:
    """``"with X"`` / ``"without X"`` for yes/no levels of column ``X``, else ``"X level"``."""
    name = by.replace("_", " ")
    if level.lower() in ("yes", "true"):
        return f"with {name}"
    if level.lower() in ("no", "false"):
        return f"without {name}"
    return f"{name} {level}"


def _design_variables(result: Any) -> list[dict[str, Any]]:
    design = (result.settings or {}).get("design") or {}
    return list(design.get("variables") or [])


def _numeric_moderator(result: Any) -> str | None:
    """The one numeric moderator column (e.g. the horizon in days), if there is exactly one."""
    numeric = [str(v["column"]) for v in _design_variables(result) if "levels" not in v]
    return numeric[0] if len(numeric) == 1 else None


def _at(column: str, value: float) -> str:
    return f"{value:g} days" if column.endswith("_days") else f"{column} = {value:g}"


def _span(column: str, low: float, high: float) -> str:
    unit = " days" if column.endswith("_days") else ""
    return f"{low:g}{unit}" if low == high else f"{low:g}–{high:g}{unit}"


def _interaction_words(result: Any, name: str, by: str) -> str:
    """``"whether the change with log(x) differs by f (yes vs no)"`` for the metafor
    coefficient ``log(x):fyes``; other interactions by their coefficient name."""
    levels = {str(v["column"]): v.get("levels") or [] for v in _design_variables(result)}
    labels = [str(v.get("label", v["column"])) for v in _design_variables(result)]
    parts = name.split(":")
    factor = [p for p in parts if by and p.startswith(by) and len(p) > len(by) and levels.get(by)]
    slope = [p for p in parts if p in labels and p not in factor]
    if len(parts) == 2 and len(factor) == 1 and len(slope) == 1:
        level = factor[0][len(by) :]
        name_by = by.replace("_", " ")
        return (
            f"whether the change with {slope[0]} differs by {name_by} "
            f"(interaction, {level} vs {levels[by][0]})"
        )
    return f"interaction {name}"


def prediction_summary(section: Any) -> str:
    """The stated predictions of a meta-regression in a few words, for a table cell."""
    result = section.result
    by = str(section.spec.get("by") or "")
    numeric = _numeric_moderator(result)
    percent = ((result.settings or {}).get("predict") or {}).get("transform") == "expit"
    parts = []
    for p in result.predictions or []:
        value = (
            f"{100 * p['pred']:.0f}% ({100 * p['ci_lb']:.0f}% to {100 * p['ci_ub']:.0f}%)"
            if percent
            else f"{p['pred']:.2f} ({p['ci_lb']:.2f} to {p['ci_ub']:.2f})"
        )
        where = [_at(numeric, float(p[numeric]))] if numeric and numeric in p else []
        where += [_level_words(by, str(p[by]))] if by and by in p else []
        parts.append(f"{', '.join(where)}: {value}" if where else value)
    return "predicted " + "; ".join(parts) if parts else "no single estimate"


def regression_finding(section: Any, row: SummaryRow) -> str:
    """Plain words for a meta-regression with stated predictions (e.g. a decay of benefit over
    time by modality): each prediction with its CI; k rows from how many studies per level of
    the protocol's ``by``; the test of all moderators and of each interaction; the horizons
    observed per level, naming the predictions outside them (extrapolations); the protocol's
    design note."""
    result = section.result
    spec = section.spec
    by = str(spec.get("by") or "")
    numeric = _numeric_moderator(result)
    percent = ((result.settings or {}).get("predict") or {}).get("transform") == "expit"

    def value(v: float) -> str:
        return f"{100 * v:.0f}%" if percent else f"{v:.2f}"

    cluster = str((result.settings or {}).get("cluster") or "study_id")
    observed: dict[str, list[float]] = {}
    studies: dict[str, set[str]] = {}
    for r in section.rows:
        level = str(r.get(by, "")) if by else ""
        studies.setdefault(level, set()).add(str(r.get(cluster) or r.get("study")))
        x = finite(r.get(numeric)) if numeric else None
        if x is not None:
            observed.setdefault(level, []).append(x)
    at: dict[float | None, list[str]] = {}
    outside: dict[float, list[str]] = {}
    first = True
    for p in result.predictions or []:
        level = str(p.get(by, "")) if by else ""
        x = finite(p.get(numeric)) if numeric else None
        ci = "95% CI " if first else ""
        first = False
        words = f"{value(p['pred'])} ({ci}{value(p['ci_lb'])} to {value(p['ci_ub'])})"
        at.setdefault(x, []).append(f"{words} {_level_words(by, level)}" if by else words)
        seen = observed.get(level)
        if x is not None and seen and not min(seen) <= x <= max(seen):
            outside.setdefault(x, []).append(_level_words(by, level))
    said = [
        (f"at {_at(numeric, x)} " if numeric and x is not None else "") + " and ".join(words)
        for x, words in at.items()
    ]
    text = f"{row.title}: the model predicts " + "; ".join(said) if said else row.title
    n_studies = len({s for group in studies.values() for s in group})
    counts = ", ".join(f"{len(studies[lv])} {_level_words(by, lv)}" for lv in sorted(studies))
    people = single_arm_people(section.rows) if section.rows else math.nan
    text += f" (meta-regression, k = {result.k} rows from {n_studies} studies"
    text += f" with {people:,.0f} participants" if math.isfinite(people) else ""
    text += f": {counts})." if by and counts else ")."
    qm_p = finite(result.QM_p)
    if qm_p is not None:
        robust = ", cluster-robust" if result.robust else ""
        text += f" Test of all moderators{robust}: p = {format_p(qm_p)}"
        for name, coef in (result.coefficients or {}).items():
            if ":" in name and finite(coef.get("pval")) is not None:
                text += f"; {_interaction_words(result, name, by)}: p = {format_p(coef['pval'])}"
        text += "."
    if numeric and by and observed:
        spans = ", ".join(
            f"arms {_level_words(by, lv)} {_span(numeric, min(xs), max(xs))}"
            for lv, xs in sorted(observed.items())
        )
        text += f" Observed horizons: {spans}"
        if outside:
            where = " and ".join(
                f"at {_at(numeric, x)} ({' and '.join(levels)})" for x, levels in outside.items()
            )
            text += f"; the predictions {where} lie outside them and are extrapolated."
        else:
            text += "."
    note = str(spec.get("design_note") or "")
    if note:
        text += f" {note[0].upper()}{note[1:]}."
    return f"{text} Certainty {row.certainty}."
