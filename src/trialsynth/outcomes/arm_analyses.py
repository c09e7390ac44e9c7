"""Analyses built from coded sheet arms: proportions per horizon window, decay-model rows,
precomputed effects and within-study arm contrasts.

The contrast analyses of :mod:`trialsynth.outcomes.analyses` pair arms by role inside a
registered trial and filter on the trial's coding. Durability questions ask about *arms*: the
proportion of people still benefiting some days after the last dose, in arms that received the
drug with or without psychotherapy. These analyses read the arm codes the sheets carry
(``drug``, ``psychotherapy``, ...), the horizon after the course (:mod:`.horizons`) and the
outcome, and list every study left out with its reason, in this order: screening decision, arm
filters, no usable numbers, on-treatment rows, horizon not convertible, horizon outside the
window, no pair of arms.

Kinds (``analyses[].kind``):

``arm_proportion``
    One row per study and subgroup value (``by``), ``xi``/``ni`` of the proportion keeping the
    benefit (``PLO``). Outcomes listed in ``invert`` count losses (relapses): the proportion
    keeping the benefit is ``(n - events) / n`` and the conversion is written in
    ``corrections``.
``decay``
    One row per study, subgroup value and horizon, with ``yi``/``vi`` of the logit proportion
    (metafor ``escalc("PLO")`` with the protocol's zero-cell rule), the counts behind it
    (``xi`` people keeping the benefit of ``ni``, before any zero-cell addition) and
    ``horizon_days``: the input of a meta-regression on the horizon.
``effect_estimate``
    One row per study with ``yi``/``vi`` from an estimate and its CI (:mod:`.effects`).
``arm_contrast``
    One row per study pairing arms that match ``arm_filters`` with arms that match
    ``control_filters`` at the same outcome and horizon (``ai..di``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any

import pandas as pd

from trialsynth.errors import ProtocolError
from trialsynth.meta.effect_sizes import ZeroCellSettings, compute_effect_sizes
from trialsynth.outcomes.analyses import ID_COLUMNS, AnalysisResult
from trialsynth.outcomes.derive import combine_binary
from trialsynth.outcomes.effects import RATIO_MEASURES, gen_from_ci
from trialsynth.outcomes.rows import exclusion
from trialsynth.outcomes.rules import OutcomeRules

ARM_KINDS = ("arm_proportion", "decay", "effect_estimate", "arm_contrast")
#: Arm codes an arm analysis may filter or subgroup on (columns of outcomes.csv).
ARM_FIELDS = (
    "drug",
    "route",
    "condition",
    "psychotherapy",
    "psychotherapy_type",
    "design",
    "source_quality",
)
_PROVENANCE = (*ID_COLUMNS, "horizon_days")
_EFFECT_COLUMNS = {
    "arm_proportion": ("xi", "ni"),
    "decay": ("yi", "vi", "xi", "ni"),
    "effect_estimate": ("yi", "vi", "measure_label"),
    "arm_contrast": ("ai", "bi", "ci", "di"),
}


def arm_analysis_columns(spec: dict[str, Any]) -> list[str]:
    """Column order of ``analyses/<id>.csv`` for an arm analysis."""
    codes = [
        f
        for f in ARM_FIELDS
        if f in (spec.get("arm_filters") or {}) or f == spec.get("by") or f == "source_quality"
    ]
    if spec["kind"] == "decay" and "psychotherapy" not in codes:
        codes.insert(0, "psychotherapy")
    return ["study", *_EFFECT_COLUMNS[spec["kind"]], *_PROVENANCE, *codes]


#: Measures each kind writes.
KIND_MEASURES = {
    "arm_proportion": ("PLO",),
    "decay": ("GEN",),
    "effect_estimate": ("GEN",),
    "arm_contrast": ("RR", "OR", "RD"),
}


def check_arm_analysis(spec: dict[str, Any], rules: OutcomeRules, path: object) -> None:
    """Raise :class:`ProtocolError` for an arm analysis this stage cannot build."""
    key = f"key analyses.{spec['id']}"
    unknown = [o for o in _outcomes(spec) if o not in rules.definitions]
    if unknown:
        raise ProtocolError(
            f"analysis outcome(s) {unknown} are not defined",
            path=path,
            record=key,
            hint=f"use names of outcomes.definitions {sorted(rules.definitions)}",
        )
    if spec["measure"] not in KIND_MEASURES[spec["kind"]]:
        raise ProtocolError(
            f"kind {spec['kind']} writes {'/'.join(KIND_MEASURES[spec['kind']])} inputs, "
            f"not {spec['measure']}",
            path=path,
            record=key,
            hint=f"set measure to one of {list(KIND_MEASURES[spec['kind']])}",
        )
    if spec["kind"] == "arm_contrast" and not spec.get("control_filters"):
        raise ProtocolError(
            "an arm contrast needs control_filters (which arms are the comparator)",
            path=path,
            record=key,
            hint="add control_filters, e.g. {drug: [none]}",
        )


def _outcomes(spec: dict[str, Any]) -> list[str]:
    return [spec["outcome"], *(spec.get("outcomes_also") or [])]


def _passes(row: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    return all(str(row.get(field)) in allowed for field, allowed in filters.items())


def _kept(row: dict[str, Any], invert: set[str]) -> tuple[int, int, str | None]:
    """``(x, n, note)``: people keeping the benefit, with the conversion for inverted rows."""
    n, events = int(row["arm_n"]), int(row["events"])
    if row["outcome"] in invert:
        return (
            n - events,
            n,
            f"{row['group']!r}: {row['outcome']}-free = n - events = {n} - {events} = "
            f"{n - events} of {n}",
        )
    return events, n, None


def _label(row: dict[str, Any]) -> str:
    return str(row["study_label"] or row["study_id"])


def build_arm_analysis(
    spec: dict[str, Any],
    rows: list[dict[str, Any]],
    screening: pd.DataFrame | None,
    zero_cells: ZeroCellSettings | None = None,
) -> AnalysisResult:
    """Build the input table of one arm analysis (see the module docstring)."""
    aid, kind = spec["id"], spec["kind"]
    wanted = _outcomes(spec)
    match = re.compile(spec["match"], re.IGNORECASE) if spec.get("match") else None
    cands = [r for r in rows if r["outcome"] in wanted and r["study_id"]]
    if match:
        cands = [
            r
            for r in cands
            if match.search(f"{r['measure_title']} {r['group']} {r['study_label']}")
        ]
    screen = (
        {} if screening is None else {str(r["study_id"]): r for r in screening.to_dict("records")}
    )
    by_study: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in cands:
        by_study[row["study_id"]].append(row)
    result = AnalysisResult(table=pd.DataFrame(columns=arm_analysis_columns(spec)), exclusions=[])
    out: list[dict[str, Any]] = []
    for study_id in sorted(by_study):
        srows = by_study[study_id]
        reason = _first_reason(spec, study_id, srows, screen)
        if isinstance(reason, tuple):
            _leave_out(result, aid, spec, study_id, srows, *reason)
            continue
        built = _BUILDERS[kind](spec, reason, result, zero_cells)
        if isinstance(built, tuple):
            _leave_out(result, aid, spec, study_id, srows, *built)
            continue
        out.extend(built)
    if out:
        result.table = pd.DataFrame(out, columns=arm_analysis_columns(spec))
    return result


def _leave_out(
    result: AnalysisResult,
    aid: str,
    spec: dict[str, Any],
    study_id: str,
    srows: list[dict[str, Any]],
    reason: str,
    detail: str,
) -> None:
    first = srows[0]
    result.exclusions.append(
        exclusion(
            aid,
            reason,
            f"{_label(first)}: {detail}",
            study_id=study_id,
            nct_id=first["nct_id"],
            pmid=first["pmid"],
            source_kind=";".join(sorted({r["source_kind"] for r in srows})),
            outcome=spec["outcome"],
        )
    )
    for r in srows:
        result.not_used.setdefault(r["record_id"], f"{aid}: {reason}")


def _first_reason(
    spec: dict[str, Any],
    study_id: str,
    srows: list[dict[str, Any]],
    screen: dict[str, dict[str, Any]],
) -> list[dict[str, Any]] | tuple[str, str]:
    """The rows of one study that qualify, or the first reason to leave the study out."""
    decision = screen.get(study_id)
    if decision is not None and decision.get("decision") == "exclude":
        return "screening", f"screening decision exclude: {decision.get('reason') or ''}"
    filters = dict(spec.get("arm_filters") or {})
    controls = spec.get("control_filters")
    if controls:
        kept = [r for r in srows if _passes(r, filters) or _passes(r, controls)]
    else:
        kept = [r for r in srows if _passes(r, filters)]
    if not kept:
        codes = sorted({tuple(str(r.get(f)) for f in filters) for r in srows})
        return "arm_filter", f"no arm with {filters} (arms coded {codes})"
    if spec["kind"] == "effect_estimate":
        wanted = set(spec.get("effect_measures") or [])
        kept = [
            r
            for r in kept
            if r["effect_measure"] in wanted
            and None not in (r["effect"], r["ci_low"], r["ci_high"])
            and not str(r["issue"] or "").startswith("duplicate of")
        ]
        if not kept:
            return "no_effect_estimate", f"no usable {sorted(wanted)} estimate with its CI"
        return kept
    usable = [r for r in kept if r["usable"]]
    if not usable:
        issues = sorted({str(r["issue"]) for r in kept})
        return "no_usable_numbers", "; ".join(issues)
    if spec.get("timepoint_days"):
        return _in_time_window(spec["timepoint_days"], usable)
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


def _dose_day(row: dict[str, Any]) -> float | None:
    """Days since the dose for outcomes measured soon after it: the row's time point, or its
    horizon after the course when the sheet counts from the end of the course."""
    if row["timepoint_days"] is not None:
        return float(row["timepoint_days"])
    if row["horizon_status"] == "after_course" and row["horizon_days"] is not None:
        return float(row["horizon_days"])
    return None


def _in_time_window(
    window: dict[str, float], rows: list[dict[str, Any]]
) -> list[dict[str, Any]] | tuple[str, str]:
    lo, hi = window.get("min", 0), window.get("max", math.inf)
    inside = [r for r in rows if (d := _dose_day(r)) is not None and lo <= d <= hi]
    if inside:
        return inside
    days = sorted({d for r in rows if (d := _dose_day(r)) is not None})
    return "timepoint_outside_window", f"time points (days) {days or '-'}; window {lo}..{hi}"


def _modality(spec: dict[str, Any], row: dict[str, Any]) -> str:
    by = spec.get("by")
    return str(row.get(by)) if by else ""


def _day(row: dict[str, Any]) -> float:
    value = row["horizon_days"] if row["horizon_days"] is not None else row["timepoint_days"]
    return float(value) if value is not None else 0.0


def _preferred(spec: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the most preferred outcome; for each arm, its row nearest the window target
    (or its latest row when the window has none). The arms chosen are then combined."""
    order = _outcomes(spec)
    best = min(order.index(r["outcome"]) for r in rows)
    rows = [r for r in rows if order.index(r["outcome"]) == best]
    target = (spec.get("horizon_days") or {}).get("target")
    by_arm: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_arm[str(r["group"])].append(r)
    chosen = []
    for arm_rows in by_arm.values():
        if target is not None:
            chosen.append(min(arm_rows, key=lambda r: (abs(_day(r) - target), _day(r))))
        else:
            chosen.append(max(arm_rows, key=_day))
    return sorted(chosen, key=lambda r: str(r["record_id"]))


def _base_row(spec: dict[str, Any], arms: list[dict[str, Any]], corrections: list[str]) -> dict:
    first = arms[0]
    groups = "; ".join(f"{r['group']!r}" for r in arms)
    derived = [f"{r['group']!r}: {r['derivation']}" for r in arms if r["derivation"]]
    row: dict[str, Any] = {
        "study_id": first["study_id"],
        "nct_id": first["nct_id"],
        "pmid": first["pmid"],
        "source": f"{first['source']} | {first['measure_title']!r} | {groups}",
        "source_kind": first["source_kind"],
        "corrections": "; ".join([*corrections, *derived]) or None,
        "selection": f"{first['outcome']}; {first['horizon_basis']}",
        "outcome": first["outcome"],
        "timepoint_days": first["timepoint_days"],
        "horizon_days": first["horizon_days"],
    }
    for fld in ARM_FIELDS:
        values = sorted({str(r.get(fld)) for r in arms if r.get(fld) is not None})
        row[fld] = ";".join(values) or None
    return row


def _proportion_rows(
    spec: dict[str, Any], rows: list[dict[str, Any]], result: AnalysisResult
) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[_modality(spec, r)].append(r)
    return sorted(groups.items())


def _arm_proportion(
    spec: dict[str, Any],
    rows: list[dict[str, Any]],
    result: AnalysisResult,
    zero_cells: ZeroCellSettings | None,
) -> list[dict[str, Any]] | tuple[str, str]:
    out = []
    invert = set(spec.get("invert") or [])
    several = len({_modality(spec, r) for r in rows}) > 1
    for value, arms in _proportion_rows(spec, rows, result):
        chosen = _preferred(spec, arms)
        x, n, notes = _combined(chosen, invert)
        row = _base_row(spec, chosen, notes)
        row.update(study=_label(chosen[0]) + (f" [{value}]" if several else ""), xi=x, ni=n)
        out.append(row)
        result.used.update(r["record_id"] for r in chosen)
        for r in arms:
            if r not in chosen:
                result.not_used[r["record_id"]] = (
                    f"{spec['id']}: another outcome or horizon of the study is preferred"
                )
    return out


def _combined(arms: list[dict[str, Any]], invert: set[str]) -> tuple[int, int, list[str]]:
    kept = [_kept(r, invert) for r in arms]
    x, n = combine_binary([(k[0], k[1]) for k in kept])
    notes = [k[2] for k in kept if k[2]]
    if len(arms) > 1:
        notes.append(
            f"combined {len(arms)} arms (Cochrane Handbook 6.5.2.10: events and totals summed)"
            f" = {x}/{n}"
        )
    return x, n, notes


def _decay(
    spec: dict[str, Any],
    rows: list[dict[str, Any]],
    result: AnalysisResult,
    zero_cells: ZeroCellSettings | None,
) -> list[dict[str, Any]] | tuple[str, str]:
    out = []
    invert = set(spec.get("invert") or [])
    by_point: dict[tuple[str, float], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_point[(_modality(spec, r), float(r["horizon_days"]))].append(r)
    for (value, days), arms in sorted(by_point.items()):
        order = _outcomes(spec)
        best = min(order.index(r["outcome"]) for r in arms)
        chosen = [r for r in arms if order.index(r["outcome"]) == best]
        x, n, notes = _combined(chosen, invert)
        sizes = compute_effect_sizes(
            pd.DataFrame({"xi": [x], "ni": [n]}), "PLO", [_label(chosen[0])], zero_cells
        )
        if sizes.corrected:
            notes.append(f"zero cell: {(zero_cells or ZeroCellSettings()).add} added (logit)")
        row = _base_row(spec, chosen, [f"{x}/{n} keep the benefit", *notes])
        row.update(
            study=f"{_label(chosen[0])} [{value}, {days:g} d]",
            yi=float(sizes.yi[0]),
            vi=float(sizes.vi[0]),
            xi=x,
            ni=n,
        )
        out.append(row)
        result.used.update(r["record_id"] for r in chosen)
    return out


def _effect_estimate(
    spec: dict[str, Any],
    rows: list[dict[str, Any]],
    result: AnalysisResult,
    zero_cells: ZeroCellSettings | None,
) -> list[dict[str, Any]] | tuple[str, str]:
    measures = {r["effect_measure"] for r in rows}
    if len(measures) > 1:
        return "mixed_measures", f"estimates on different measures {sorted(measures)}"
    chosen = rows[0]
    if len(rows) > 1:
        for r in rows[1:]:
            result.not_used[r["record_id"]] = f"{spec['id']}: first estimate of the study used"
    measure = str(chosen["effect_measure"])
    try:
        gen = gen_from_ci(
            measure,
            chosen["effect"],
            chosen["ci_low"],
            chosen["ci_high"],
            printed=chosen["posted_value"],
        )
    except ValueError as exc:
        return "bad_estimate", str(exc)
    row = _base_row(spec, [chosen], [gen.derivation])
    row.update(
        study=_label(chosen),
        yi=gen.yi,
        vi=gen.vi,
        measure_label=f"log {measure}" if measure in RATIO_MEASURES else measure,
    )
    result.used.add(chosen["record_id"])
    return [row]


def _arm_contrast(
    spec: dict[str, Any],
    rows: list[dict[str, Any]],
    result: AnalysisResult,
    zero_cells: ZeroCellSettings | None,
) -> list[dict[str, Any]] | tuple[str, str]:
    filters = dict(spec.get("arm_filters") or {})
    controls = dict(spec.get("control_filters") or {})
    label = re.compile(spec["control_label"], re.IGNORECASE) if spec.get("control_label") else None
    by_point: dict[tuple[str, float], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        day = _dose_day(r) if spec.get("timepoint_days") else r["horizon_days"]
        by_point[(r["outcome"], float(day if day is not None else -1))].append(r)
    order = _outcomes(spec)
    for (_, _days), arms in sorted(by_point.items(), key=lambda kv: order.index(kv[0][0])):
        exp = [r for r in arms if _passes(r, filters)]
        ctl = [
            r
            for r in arms
            if _passes(r, controls)
            and r not in exp
            and (label is None or label.search(str(r["group"])))
        ]
        if not exp or not ctl:
            continue
        invert = set(spec.get("invert") or [])
        ex, en, enotes = _combined(exp, invert)
        cx, cn, cnotes = _combined(ctl, invert)
        row = _base_row(spec, exp + ctl, enotes + cnotes)
        # The codes a subgroup reads are the experimental arms' (the comparator has no drug).
        row.update({fld: _base_row(spec, exp, [])[fld] for fld in ARM_FIELDS})
        row.update(study=_label(exp[0]), ai=ex, bi=en - ex, ci=cx, di=cn - cx)
        row["source"] += f" | experimental {[r['group'] for r in exp]} vs control " + str(
            [r["group"] for r in ctl]
        )
        result.used.update(r["record_id"] for r in exp + ctl)
        return [row]
    wanted = f"{controls}" + (f" named {spec['control_label']!r}" if label else "")
    return "no_arm_pair", f"no arms matching {filters} and {wanted} at the same time point"


_BUILDERS = {
    "arm_proportion": _arm_proportion,
    "decay": _decay,
    "effect_estimate": _effect_estimate,
    "arm_contrast": _arm_contrast,
}
