"""GRADE-style certainty of the evidence for one analysis, drafted by documented rules.

Rules (GRADE Handbook, Schünemann et al. 2013; Guyatt et al. J Clin Epidemiol 2011, GRADE
guidelines 4-8). Evidence from randomised trials starts at *high*; any other design at *low*.
Each domain may lower it by one or two levels, and names its reason:

risk of bias
    One level when studies carrying at least half of the weight are not masked (registry
    ``masking`` NONE or not stated) or their numbers come from a secondary source (an abstract
    rather than posted registry results or a full report).
inconsistency
    One level when I² ≥ 50 %, two when I² ≥ 75 %; one level when k ≥ 3, τ² > 0 and the
    prediction interval crosses the line of no effect while the confidence interval does not
    (with τ² = 0 the interval is wider only through its t quantile, not through heterogeneity).
    Not assessable with one study.
imprecision
    One level when the confidence interval includes the line of no effect; one level when the
    participants are fewer than the optimal information size (OIS: binary outcomes, the total
    sample needed to detect a 25 % relative change from the control risk with alpha 0.05 and
    power 0.80; continuous outcomes, 400 participants). At most two levels.
indirectness
    One level when the pooled studies differ in drug, route, condition or comparator (the
    analysis compares across different questions).
publication bias
    One level when k ≥ 10 and Egger's test gives p < 0.10; not assessed with k < 10.

A reviewer's decision in ``analysis/certainty_overrides.csv`` (``analysis, domain, levels,
reason``) replaces the drafted levels of that domain and is shown as the reviewer's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trialsynth.errors import InputError
from trialsynth.formatting import finite
from trialsynth.meta.measures import BINARY, CONTINUOUS
from trialsynth.meta.normal_quantile import ndtri
from trialsynth.meta.result import MetaResult

DOMAINS = ("risk_of_bias", "inconsistency", "imprecision", "indirectness", "publication_bias")
RATINGS = ("very low", "low", "moderate", "high")
#: Coded fields whose differing values across pooled studies make a comparison indirect.
INDIRECTNESS_FIELDS = ("drug", "route", "condition", "comparator")
UNMASKED = frozenset({"", "NONE"})
RELATIVE_CHANGE = 0.25
CONTINUOUS_OIS = 400
EGGER_MIN_K = 10
EGGER_ALPHA = 0.10


@dataclass
class Domain:
    """One GRADE domain: levels lowered (0-2), why, and who decided."""

    name: str
    levels: int
    reason: str
    decided_by: str = "rules"


@dataclass
class Certainty:
    """The rating of one analysis and its domains."""

    start: str
    domains: list[Domain] = field(default_factory=list)

    @property
    def rating(self) -> str:
        """``high``, ``moderate``, ``low`` or ``very low``."""
        start = RATINGS.index(self.start)
        return RATINGS[max(0, start - sum(d.levels for d in self.domains))]

    def downgrades(self) -> list[Domain]:
        """The domains that lowered the rating."""
        return [d for d in self.domains if d.levels > 0]


def optimal_information_size(control_risk: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Total participants to detect a 25 % relative change from ``control_risk`` (two arms).

    Normal approximation for two proportions (Guyatt et al. 2011, GRADE guidelines 6).
    """
    p2 = min(max(control_risk, 1e-6), 1 - 1e-6)
    p1 = min(p2 * (1 + RELATIVE_CHANGE), 1 - 1e-6) if p2 < 0.5 else p2 * (1 - RELATIVE_CHANGE)
    # -ndtri(q) is scipy.stats.norm.isf(q) (the same function scipy.stats calls), without
    # importing scipy.stats for one quantile (nor SciPy for the default alpha and power).
    z = -ndtri(alpha / 2) - ndtri(1 - power)
    per_arm = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    return 2 * math.ceil(per_arm)


def _share(rows: Sequence[Mapping[str, Any]], weights: Sequence[float], test: Any) -> float:
    total = sum(weights) or 1.0
    return sum(w for row, w in zip(rows, weights, strict=False) if test(row)) / total


def _weights(result: MetaResult) -> list[float]:
    tau2 = finite(result.tau2) or 0.0
    return [1.0 / (v + tau2) for v in result.vi]


def risk_of_bias(
    result: MetaResult, rows: Sequence[Mapping[str, Any]], masking: Mapping[str, str]
) -> Domain:
    """Masking and secondary sources, weighted by the studies' random-effects weights."""
    weights = _weights(result)
    unmasked = _share(
        rows, weights, lambda r: masking.get(str(r.get("nct_id", "")), "") in UNMASKED
    )
    secondary = _share(rows, weights, lambda r: "abstract" in str(r.get("source", "")).lower())
    reasons = []
    if unmasked >= 0.5:
        reasons.append(
            f"{unmasked:.0%} of the weight from studies not masked or masking not stated"
        )
    if secondary >= 0.5:
        reasons.append(f"{secondary:.0%} of the weight from numbers read in an abstract")
    if reasons:
        return Domain("risk_of_bias", 1, "; ".join(reasons))
    return Domain("risk_of_bias", 0, "studies carrying most weight masked, primary sources")


def _crosses(lower: float | None, upper: float | None, null: float | None) -> bool:
    return None not in (lower, upper, null) and lower <= null <= upper  # type: ignore[operator]


def inconsistency(result: MetaResult) -> Domain:
    """I² and the prediction interval against the confidence interval."""
    if result.k < 2:
        return Domain("inconsistency", 0, "single study: not assessable")
    i2 = finite(result.I2) or 0.0
    null = result.effect_measure().null
    if i2 >= 75:
        return Domain("inconsistency", 2, f"I² = {i2:.0f}% (≥ 75%)")
    if i2 >= 50:
        return Domain("inconsistency", 1, f"I² = {i2:.0f}% (≥ 50%)")
    ci = (finite(result.ci_lb), finite(result.ci_ub))
    pi = (finite(result.pi_lb), finite(result.pi_ub))
    tau2 = finite(result.tau2) or 0.0
    if result.k >= 3 and tau2 > 0 and _crosses(*pi, null) and not _crosses(*ci, null):
        return Domain("inconsistency", 1, "prediction interval crosses no effect, CI does not")
    return Domain("inconsistency", 0, f"I² = {i2:.0f}%, no important inconsistency")


def arm_totals(measure_kind: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Participants and control-arm events of the pooled rows (``nan`` where not numeric)."""

    def total(column: str) -> float:
        values = [finite(r.get(column)) for r in rows]
        return math.nan if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]

    if measure_kind == BINARY:
        treated = total("ai") + total("bi")
        control = total("ci") + total("di")
        return {
            "participants": treated + control,
            "control_events": total("ci"),
            "control_n": control,
        }
    if measure_kind == CONTINUOUS:
        return {"participants": total("n1i") + total("n2i")}
    return {"participants": single_arm_people(rows) if rows and "ni" in rows[0] else math.nan}


#: Columns that tell the arms of one study apart in single-arm tables (outcomes' arm codes).
ARM_KEY_FIELDS = ("drug", "route", "psychotherapy", "psychotherapy_type")


def single_arm_people(rows: Sequence[Mapping[str, Any]]) -> float:
    """People in single-arm rows (``ni``): an arm observed at several horizons (same study, arm
    codes and ``source``, which names the arm, as in a decay model's input) counts once, with its
    largest ``n``."""
    largest: dict[tuple[str, ...], float] = {}
    for r in rows:
        n = finite(r.get("ni"))
        if n is None:
            return math.nan
        study = str(r.get("study_id") or r.get("study"))
        key = (study, str(r.get("source")), *(str(r.get(f)) for f in ARM_KEY_FIELDS))
        largest[key] = max(largest.get(key, 0.0), n)
    return float(sum(largest.values()))


def imprecision(result: MetaResult, rows: Sequence[Mapping[str, Any]]) -> Domain:
    """Confidence interval against the null and participants against the OIS."""
    measure = result.effect_measure()
    totals = arm_totals(measure.kind, rows)
    participants = totals.get("participants", math.nan)
    reasons, levels = [], 0
    if _crosses(finite(result.ci_lb), finite(result.ci_ub), measure.null):
        levels += 1
        reasons.append("the confidence interval includes no effect")
    if measure.kind == BINARY and totals.get("control_n") and not totals["control_events"]:
        # A relative change of a zero risk is zero: no optimal information size exists.
        levels += 1
        reasons.append(
            f"no event among {totals['control_n']:.0f} controls: no optimal information size "
            f"can be computed; {participants:.0f} participants"
        )
        return Domain("imprecision", min(levels, 2), "; ".join(reasons))
    if measure.kind == BINARY and totals.get("control_n"):
        control_risk = totals["control_events"] / totals["control_n"]
        ois = optimal_information_size(control_risk)
        label = f"OIS {ois} at a control risk of {control_risk:.0%}"
    else:
        ois, label = CONTINUOUS_OIS, f"OIS {CONTINUOUS_OIS}"
    if math.isfinite(participants) and participants < ois:
        levels += 1
        reasons.append(f"{participants:.0f} participants, fewer than the {label}")
    elif math.isfinite(participants):
        reasons.append(f"{participants:.0f} participants meet the {label}")
    return Domain("imprecision", min(levels, 2), "; ".join(reasons))


def indirectness(rows: Sequence[Mapping[str, Any]]) -> Domain:
    """Different drugs, routes, conditions or comparators pooled together."""
    mixed = []
    for name in INDIRECTNESS_FIELDS:
        values = {str(r.get(name)) for r in rows if r.get(name) not in (None, "")}
        if len(values) > 1:
            mixed.append(f"{name}: {', '.join(sorted(values))}")
    if mixed:
        return Domain("indirectness", 1, "studies differ in " + "; ".join(mixed))
    return Domain("indirectness", 0, "the studies answer the same comparison")


def publication_bias(result: MetaResult) -> Domain:
    """Egger's test when k ≥ 10."""
    if result.k < EGGER_MIN_K:
        return Domain("publication_bias", 0, f"not assessed (k = {result.k} < {EGGER_MIN_K})")
    egger = result.egger_lm or {}
    p = finite(egger.get("pval"))
    if p is not None and p < EGGER_ALPHA:
        return Domain("publication_bias", 1, f"Egger's test p = {p:.3g} (< {EGGER_ALPHA})")
    return Domain("publication_bias", 0, "Egger's test gives no sign of small-study effects")


def draft_certainty(
    result: MetaResult,
    rows: Sequence[Mapping[str, Any]],
    masking: Mapping[str, str],
    overrides: Iterable[Mapping[str, Any]] = (),
    analysis_id: str = "",
) -> Certainty:
    """Rate one analysis by the module's rules, then apply the reviewer's overrides."""
    designs = {str(r.get("design", "")) for r in rows if r.get("design")}
    start = "high" if designs <= {"RCT"} else "low"
    certainty = Certainty(
        start=start,
        domains=[
            risk_of_bias(result, rows, masking),
            inconsistency(result),
            imprecision(result, rows),
            indirectness(rows),
            publication_bias(result),
        ],
    )
    for override in overrides:
        if str(override.get("analysis")) != analysis_id:
            continue
        domain = str(override.get("domain"))
        for index, drafted in enumerate(certainty.domains):
            if drafted.name == domain:
                certainty.domains[index] = Domain(
                    domain, int(override["levels"]), str(override.get("reason", "")), "reviewer"
                )
    return certainty


def validate_overrides(rows: Iterable[Mapping[str, Any]], path: object) -> list[dict[str, Any]]:
    """Check ``certainty_overrides.csv`` rows; errors name the file, the row and the fix."""
    checked = []
    for number, row in enumerate(rows, start=2):
        domain = str(row.get("domain", ""))
        if domain not in DOMAINS:
            raise InputError(
                f"unknown domain {domain!r}",
                path=path,
                record=f"line {number}",
                hint=f"use one of {', '.join(DOMAINS)}",
            )
        levels = str(row.get("levels", ""))
        if levels not in {"0", "1", "2"}:
            raise InputError(
                f"levels {levels!r} is not 0, 1 or 2",
                path=path,
                record=f"line {number}",
                hint="levels is how many levels the domain lowers the certainty",
            )
        if not str(row.get("reason", "")).strip():
            raise InputError(
                "a reviewer's decision needs a reason",
                path=path,
                record=f"line {number}",
                hint="say why in the reason column",
            )
        checked.append(dict(row))
    return checked
