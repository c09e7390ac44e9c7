"""Claims audit: public claims set against the review's pooled numbers by generic verdict rules.

The claims are data (``analysis/claims.yaml``, schema ``claims.schema.json``); this module only
knows the kinds of test and their rules. Each claim names the analysis that tests it and gets one
verdict:

``consistent``
    ``arm_rates``: every claimed range of an arm's event rate overlaps that arm's pooled rate CI
    (events and totals summed over the studies, Wilson 95 % interval). ``pooled_effect``: the
    claimed value or range overlaps the pooled estimate's CI. ``registry_count``: the count in a
    complete registry search is within the claim's tolerance.
``inconsistent``
    The claimed range lies wholly outside the interval (``arm_rates``: for at least one arm), or
    the registry count is outside the tolerance.
``insufficient evidence``
    The protocol has no such analysis, it pooled fewer studies than the claim's ``min_k`` (1 by
    default), or the registry snapshot is a selection rather than a complete search.
``not testable from trials``
    The claim is about something trials do not measure (``kind: not_testable``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialsynth.formatting import finite
from trialsynth.meta.normal_quantile import norm_isf
from trialsynth.meta.result import MetaResult
from trialsynth.protocol import load_yaml, validate_document

CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
INSUFFICIENT = "insufficient evidence"
NOT_TESTABLE = "not testable from trials"
VERDICTS = (CONSISTENT, INCONSISTENT, INSUFFICIENT, NOT_TESTABLE)
ARM_COLUMNS = {"experimental": ("ai", "bi"), "control": ("ci", "di")}


@dataclass
class ClaimVerdict:
    """A claim with its verdict, the numbers it was judged on and why."""

    claim: dict[str, Any]
    verdict: str
    observed: str
    reason: str
    analysis: str | None = None
    section: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)


def load_claims(path: Path) -> list[dict[str, Any]]:
    """Read and validate ``claims.yaml`` (errors name the file and the key)."""
    document = load_yaml(path)
    validate_document(document, "claims", path)
    claims: list[dict[str, Any]] = document["claims"]
    return claims


def wilson_interval(events: float, total: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson 1927; Newcombe 1998, Stat Med 17:857)."""
    z = float(norm_isf((1 - level) / 2))
    p = events / total
    centre = (p + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / (1 + z**2 / total)
    return centre - half, centre + half


def _overlaps(claimed: Sequence[float], lower: float, upper: float) -> bool:
    lo, hi = (claimed[0], claimed[-1]) if len(claimed) > 1 else (claimed[0], claimed[0])
    return lo <= upper and hi >= lower


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def arm_rates(claim: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> ClaimVerdict:
    """Judge claimed event rates per arm against the pooled crude rates."""
    claimed = claim["test"]["claimed"]
    parts, verdicts, numbers = [], [], {}
    for arm, (event_col, rest_col) in ARM_COLUMNS.items():
        if arm not in claimed:
            continue
        events = sum(finite(r.get(event_col)) or 0.0 for r in rows)
        total = events + sum(finite(r.get(rest_col)) or 0.0 for r in rows)
        if total <= 0:
            return _insufficient(claim, "the analysis holds no participants in this arm")
        lower, upper = wilson_interval(events, total)
        numbers[arm] = {"events": events, "total": total, "lower": lower, "upper": upper}
        rate = events / total
        parts.append(
            f"{arm}: {events:.0f}/{total:.0f} = {_percent(rate)} "
            f"(95% CI {_percent(lower)} to {_percent(upper)})"
        )
        verdicts.append(_overlaps([float(v) for v in claimed[arm]], lower, upper))
    verdict = CONSISTENT if all(verdicts) else INCONSISTENT
    reason = (
        "every claimed rate lies within reach of the pooled rates"
        if verdict == CONSISTENT
        else "a claimed rate lies outside the pooled rate's 95% CI"
    )
    return ClaimVerdict(dict(claim), verdict, "; ".join(parts), reason, numbers=numbers)


def pooled_effect(claim: Mapping[str, Any], result: MetaResult) -> ClaimVerdict:
    """Judge a claimed effect (value or range, reporting scale) against the pooled CI."""
    measure = result.effect_measure()
    back = measure.back_transform
    lower, upper = back(result.ci_lb), back(result.ci_ub)
    claimed = claim["test"]["claimed"]
    values = (
        [float(v) for v in claimed["range"]] if "range" in claimed else [float(claimed["value"])]
    )
    pooled = measure.format_effect(result.estimate, result.ci_lb, result.ci_ub)
    observed = f"pooled {measure.short} {pooled} (k = {result.k})"
    if _overlaps(values, lower, upper):
        return ClaimVerdict(
            dict(claim), CONSISTENT, observed, "the claimed effect is within the CI"
        )
    return ClaimVerdict(
        dict(claim), INCONSISTENT, observed, "the claimed effect lies outside the pooled 95% CI"
    )


def registry_count(
    claim: Mapping[str, Any],
    trials: Sequence[Mapping[str, Any]],
    coding: Mapping[str, Mapping[str, Any]],
    complete_search: bool,
) -> ClaimVerdict:
    """Count registered trials by start year and coded fields and judge the claimed count."""
    test = claim["test"]
    years = test.get("start_years")
    filters: Mapping[str, Sequence[str]] = test.get("filters") or {}
    counted = []
    for trial in trials:
        year = str(trial.get("start_date") or "")[:4]
        if years and not (year.isdigit() and years[0] <= int(year) <= years[1]):
            continue
        labels = coding.get(str(trial.get("nct_id")), {})
        if all(str(labels.get(name, "")) in values for name, values in filters.items()):
            counted.append(str(trial.get("nct_id")))
    claimed = float(test["claimed"]["count"])
    span = f" started {years[0]}–{years[1]}" if years else ""
    where = "; ".join(f"{k} in {', '.join(v)}" for k, v in filters.items())
    observed = f"{len(counted)} trials in the snapshot{span}" + (f" with {where}" if where else "")
    numbers = {"count": len(counted), "nct_ids": counted}
    if not complete_search:
        return ClaimVerdict(
            dict(claim),
            INSUFFICIENT,
            observed,
            "the registry snapshot is a selection, not a complete search, so it cannot count "
            "all registered trials",
            numbers=numbers,
        )
    tolerance = float(test.get("tolerance", 0.1))
    verdict = CONSISTENT if abs(len(counted) - claimed) <= tolerance * claimed else INCONSISTENT
    return ClaimVerdict(
        dict(claim), verdict, observed, f"claimed {claimed:.0f} ± {tolerance:.0%}", numbers=numbers
    )


def _insufficient(claim: Mapping[str, Any], reason: str) -> ClaimVerdict:
    return ClaimVerdict(dict(claim), INSUFFICIENT, "—", reason)


def judge_claim(
    claim: Mapping[str, Any],
    analyses: Mapping[str, tuple[MetaResult, Sequence[Mapping[str, Any]]]],
    trials: Sequence[Mapping[str, Any]] = (),
    coding: Mapping[str, Mapping[str, Any]] | None = None,
    complete_search: bool = False,
) -> ClaimVerdict:
    """The verdict of one claim (see the module docstring for the rules)."""
    test = claim["test"]
    kind = test["kind"]
    if kind == "not_testable":
        return ClaimVerdict(dict(claim), NOT_TESTABLE, "—", str(test.get("reason", "")))
    if kind == "registry_count":
        return registry_count(claim, trials, coding or {}, complete_search)
    analysis_id = str(test.get("analysis", ""))
    if analysis_id not in analyses:
        why = test.get("reason") or "no analysis of the protocol tests it yet"
        verdict = _insufficient(claim, f"no analysis '{analysis_id}' in this review: {why}")
        verdict.analysis = analysis_id
        return verdict
    result, rows = analyses[analysis_id]
    min_k = int(test.get("min_k", 1))
    if result.k < min_k:
        verdict = _insufficient(
            claim, f"analysis '{analysis_id}' pooled k = {result.k} (fewer than {min_k})"
        )
    elif kind == "arm_rates":
        verdict = arm_rates(claim, rows)
    else:
        verdict = pooled_effect(claim, result)
    verdict.analysis = analysis_id
    return verdict
