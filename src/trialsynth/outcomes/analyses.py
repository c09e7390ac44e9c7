"""One meta-analysis input table per protocol analysis, in metafor column names.

For each analysis every known study (coding, screening and outcome records) is either in the
table or in the exclusions with the first reason that applies, in this order: screening
decision, coding filters, no outcome record, no usable numbers, time point outside the window,
no complete experimental/control pair (arm roles), then the choice between the remaining
candidates (source preference, data-version preference, distance to the target day). Arms of
the same role are combined (Cochrane Handbook 6.5.2.10 and 23.3.4) so the control group is not
counted twice, and the combination is recorded in ``corrections``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from trialsynth.code.fields import FIELDS
from trialsynth.errors import ProtocolError
from trialsynth.meta.measures import BINARY, CONTINUOUS, MEASURES, SINGLE_ARM, measure_names
from trialsynth.outcomes.derive import combine_binary, combine_means
from trialsynth.outcomes.rows import exclusion
from trialsynth.outcomes.rules import OutcomeRules
from trialsynth.tables import frame_records

#: The coded fields an analysis may filter or group by (the columns of coding.csv).
CODING_FIELDS = FIELDS
#: Input columns of the measures this stage builds from arm-level records (measure registry).
EFFECT_COLUMNS = {name: m.columns for name, m in MEASURES.items() if m.from_arms}
ID_COLUMNS = (
    "study_id",
    "study_label",
    "nct_id",
    "pmid",
    "source",
    "source_kind",
    "corrections",
    "selection",
    "outcome",
    "timepoint_days",
)


@dataclass
class AnalysisResult:
    """The input table of one analysis, its exclusions and how each outcome record was used."""

    table: pd.DataFrame
    exclusions: list[dict[str, Any]]
    used: set[str] = field(default_factory=set)
    not_used: dict[str, str] = field(default_factory=dict)


def analysis_columns(spec: dict[str, Any]) -> list[str]:
    """Column order of ``analyses/<id>.csv`` for one analysis spec."""
    coding = [f for f in CODING_FIELDS if f in (spec.get("filters") or {}) or f == spec.get("by")]
    return ["study", *EFFECT_COLUMNS[spec["measure"]], *ID_COLUMNS, *coding]


def check_analysis(spec: dict[str, Any], rules: OutcomeRules, path: object) -> None:
    """Raise :class:`ProtocolError` for an analysis this stage cannot build."""
    key = f"key analyses.{spec['id']}"
    if spec["outcome"] not in rules.definitions:
        raise ProtocolError(
            f"analysis outcome {spec['outcome']!r} is not defined",
            path=path,
            record=key,
            hint=f"use one of {sorted(rules.definitions)}",
        )
    if spec["measure"] not in EFFECT_COLUMNS:
        raise ProtocolError(
            f"measure {spec['measure']} needs precomputed yi/vi, which outcome extraction does "
            "not produce",
            path=path,
            record=key,
            hint=f"use one of {sorted(EFFECT_COLUMNS)}",
        )
    kind = rules.definitions[spec["outcome"]].kind
    if (kind == "binary") != (MEASURES[spec["measure"]].kind != CONTINUOUS):
        binary = "/".join(measure_names(BINARY, SINGLE_ARM))
        continuous = "/".join(measure_names(CONTINUOUS))
        raise ProtocolError(
            f"measure {spec['measure']} does not fit the {kind} outcome {spec['outcome']!r}",
            path=path,
            record=key,
            hint=f"{binary} for binary outcomes, {continuous} for continuous",
        )


def _values(cell: Any) -> set[str]:
    if isinstance(cell, str):  # most cells: skip pd.isna's dispatch (52,000 calls at 10k)
        return {v.strip() for v in cell.split(";")}
    return set() if cell is None or pd.isna(cell) else {v.strip() for v in str(cell).split(";")}


def _gate(
    spec: dict[str, Any],
    study_id: str,
    nct: str | None,
    coding: dict[str, dict],
    screening: dict[str, dict] | None,
    include_sheet_only: bool = False,
) -> tuple[str, str] | None:
    """The first study-level reason to leave ``study_id`` out, or ``None``.

    A study without a screening row is known only from the extraction sheets; it is left out
    unless the protocol includes such studies (``outcomes.sheet_only_studies: include``).
    """
    if screening is not None:
        decision = screening.get(study_id)
        if decision is None:
            if not include_sheet_only:
                return "not_screened", "the study has no row in the screening table"
        elif decision.get("decision") != "include":
            return "screening", f"screening decision {decision.get('decision')}: " + str(
                decision.get("reason") or ""
            )
    if spec.get("filters") or spec.get("by"):
        codes = coding.get(nct or "")
        if codes is None:
            return "no_coding", "the study has no row in the coding table (filters need it)"
        for fld, allowed in (spec.get("filters") or {}).items():
            if _values(codes.get(fld)).isdisjoint(allowed):
                return f"filter_{fld}", f"{fld}={codes.get(fld)!r} is not in {allowed}"
    return None


#: ``coding.csv`` rows by NCT ID and ``screening.csv`` rows by study ID (``None``: no screening).
StudyMaps = tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]] | None]


def coding_by_nct(coding: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``coding.csv`` rows by NCT ID (a column that is required and never empty)."""
    return {str(r["nct_id"]): r for r in frame_records(coding)}


def study_maps(
    coding: pd.DataFrame,
    screening: pd.DataFrame | None,
    coding_map: dict[str, dict[str, Any]] | None = None,
) -> StudyMaps:
    """The coding and screening rows by study, as :func:`build_analysis` reads them
    (``coding_map``: :func:`coding_by_nct` of ``coding`` when the caller has it)."""
    coding_map = coding_by_nct(coding) if coding_map is None else coding_map
    screen_map = (
        None if screening is None else {str(r["study_id"]): r for r in frame_records(screening)}
    )
    return coding_map, screen_map


def build_analysis(
    spec: dict[str, Any],
    rows: list[dict[str, Any]],
    rules: OutcomeRules,
    coding: pd.DataFrame,
    screening: pd.DataFrame | None,
    maps: StudyMaps | None = None,
) -> AnalysisResult:
    """Build the input table of one analysis (see the module docstring for the rules).

    ``maps`` (:func:`study_maps` of ``coding`` and ``screening``) saves converting the two
    tables again for every analysis."""
    aid, definition = spec["id"], rules.definitions[spec["outcome"]]
    match = re.compile(spec["match"], re.IGNORECASE) if spec.get("match") else None
    cands = [r for r in rows if r["outcome"] == spec["outcome"] and r["study_id"]]
    if match:
        cands = [
            r
            for r in cands
            if match.search(f"{r['measure_title']} {r['timepoint_text']} {r['group']}")
        ]
    coding_map, screen_map = maps if maps is not None else study_maps(coding, screening)
    by_study: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in cands:
        by_study[row["study_id"]].append(row)
    studies = set(coding_map) | set(by_study) | set(screen_map or {})
    result = AnalysisResult(table=pd.DataFrame(columns=analysis_columns(spec)), exclusions=[])
    out_rows = []
    no_outcome = f"no {spec['outcome']} record (posted or curated)" + (
        f" matching {spec['match']!r}" if match else ""
    )

    def exclude(
        study_id: str, nct: str | None, pmid: str | None, kinds: str | None, why: tuple[str, str]
    ) -> None:
        reason, detail = why
        result.exclusions.append(
            exclusion(
                aid,
                reason,
                detail,
                study_id=study_id,
                nct_id=nct,
                pmid=pmid,
                source_kind=kinds,
                outcome=spec["outcome"],
            )
        )

    for study_id in sorted(studies):
        srows = by_study.get(study_id, [])
        if not srows:
            # Most studies of a registry have no record of the outcome: their row is the one
            # ``leave_out`` below writes for a study without rows (no PMID, no source kind).
            nct = study_id if study_id.startswith("NCT") else None
            gate = _gate(spec, study_id, nct, coding_map, screen_map, rules.include_sheet_only)
            exclude(study_id, nct, None, None, gate or ("no_outcome", no_outcome))
            continue
        nct = study_id if study_id.startswith("NCT") else srows[0]["nct_id"]
        pmid = next((r["pmid"] for r in srows if r["pmid"]), None)

        def leave_out(
            reason: str,
            detail: str,
            rows_: list[dict[str, Any]] = srows,
            nct_: str | None = nct,
            pmid_: str | None = pmid,
            sid: str = study_id,
        ) -> None:
            kinds = ";".join(sorted({r["source_kind"] for r in rows_})) or None
            exclude(sid, nct_, pmid_, kinds, (reason, detail))
            for r in rows_:
                result.not_used[r["record_id"]] = f"{aid}: {reason}"

        gate = _gate(spec, study_id, nct, coding_map, screen_map, rules.include_sheet_only)
        if gate:
            leave_out(*gate)
            continue
        usable = [r for r in srows if r["usable"]]
        for r in srows:
            if not r["usable"]:
                result.not_used[r["record_id"]] = f"{aid}: not usable ({r['issue']})"
        if not usable:
            leave_out("no_usable_numbers", "; ".join(sorted({str(r["issue"]) for r in srows})))
            continue
        window = spec.get("timepoint_days")
        if window:
            lo, hi = window.get("min", 0), window.get("max", float("inf"))
            inside = [
                r
                for r in usable
                if r["timepoint_days"] is not None and lo <= r["timepoint_days"] <= hi
            ]
            if not inside:
                unread = [r for r in usable if r["timepoint_days"] is None]
                days = sorted({r["timepoint_days"] for r in usable} - {None})
                reason = (
                    "time_frame_unreadable" if unread and not days else "timepoint_outside_window"
                )
                leave_out(
                    reason,
                    f"time points (days) {days or '-'}"
                    + (
                        f"; unreadable: {sorted({r['timepoint_text'] for r in unread})}"
                        if unread
                        else ""
                    )
                    + f"; window {lo}..{hi}",
                )
                continue
            for r in usable:
                if r not in inside:
                    result.not_used[r["record_id"]] = f"{aid}: time point outside {lo}..{hi} days"
            usable = inside
        chosen = _choose_set(spec, definition, usable, result)
        if isinstance(chosen, tuple):
            leave_out(*chosen, rows_=usable)
            continue
        out_rows.append(_table_row(spec, chosen, coding_map.get(nct or "", {})))
        result.used.update(r["record_id"] for r in chosen)
    if out_rows:
        result.table = pd.DataFrame(out_rows, columns=analysis_columns(spec))
    return result


def _choose_set(
    spec: dict[str, Any], definition: Any, usable: list[dict[str, Any]], result: AnalysisResult
) -> list[dict[str, Any]] | tuple[str, str]:
    """The measure (set of arms) to use, or ``(reason, detail)`` when none is complete."""
    sets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in usable:
        sets[r["measure_key"]].append(r)
    needs_control = MEASURES[spec["measure"]].kind != SINGLE_ARM
    complete: list[list[dict[str, Any]]] = []
    problems: list[tuple[str, str]] = []
    incomplete: list[tuple[list[dict[str, Any]], str]] = []
    for key, arms in sets.items():
        roles = [r["arm_role"] for r in arms]
        before = len(problems)
        unplaced = [r["group"] for r in arms if r["arm_role"] is None]
        if unplaced:
            problems.append(
                (
                    "arm_role_unplaced",
                    f"{key}: group(s) {unplaced} match no arm-role"
                    " pattern, or both (add a pattern to outcomes.arm_roles)",
                )
            )
        elif "experimental" not in roles or (needs_control and "control" not in roles):
            problems.append(("no_arm_pair", f"{key}: roles {sorted(set(roles))}"))
        elif definition.version_rank(arms[0]["data_version"]) is None:
            problems.append(
                ("data_version_not_accepted", f"{key}: data version {arms[0]['data_version']}")
            )
        elif spec["source_preference"].count(arms[0]["source_kind"]) == 0:
            problems.append(("source_not_accepted", f"{key}: {arms[0]['source_kind']}"))
        else:
            complete.append(arms)
        if len(problems) > before:
            incomplete.append((arms, problems[-1][1]))
    if not complete:
        return problems[0][0], "; ".join(detail for _, detail in problems)
    target = (spec.get("timepoint_days") or {}).get("target")

    def rank(arms: list[dict[str, Any]]) -> tuple[float, ...]:
        distance = abs(arms[0]["timepoint_days"] - target) if target is not None else 0.0
        return (
            spec["source_preference"].index(arms[0]["source_kind"]),
            definition.version_rank(arms[0]["data_version"]),
            distance,
        )

    complete.sort(key=rank)
    best = complete[0]
    if len(complete) > 1 and rank(complete[1]) == rank(best):
        return "ambiguous", (
            "several measures tie on source, data version and time point: "
            + "; ".join(repr(a[0]["measure_title"]) for a in complete[:2])
            + " (narrow the analysis with 'match' or a 'target' day)"
        )
    for arms in complete[1:]:
        why = _why_not(rank(best), rank(arms), best[0], arms[0])
        for r in arms:
            result.not_used[r["record_id"]] = f"{spec['id']}: {why}"
    for arms, detail in incomplete:
        why = (
            f"source preference: {best[0]['source_kind']} used over {arms[0]['source_kind']}"
            f" (this measure is also incomplete: {detail})"
            if arms[0]["source_kind"] != best[0]["source_kind"]
            else f"incomplete: {detail}"
        )
        for r in arms:
            result.not_used[r["record_id"]] = f"{spec['id']}: {why}"
    return best


def _why_not(
    best: tuple[float, ...], other: tuple[float, ...], chosen: dict[str, Any], loser: dict[str, Any]
) -> str:
    if best[0] != other[0]:
        return (
            f"source preference: {chosen['source_kind']} used over {loser['source_kind']} "
            f"for the same outcome and time point"
        )
    if best[1] != other[1]:
        return (
            f"data version {chosen['data_version']} preferred over {loser['data_version']}"
            " (outcome definition's preference order)"
        )
    return (
        f"time point {chosen['timepoint_days']} d is closer to the target than "
        f"{loser['timepoint_days']} d"
    )


def _combine(arms: list[dict[str, Any]], kind: str, role: str, corrections: list[str]) -> tuple:
    if kind == "binary":
        events, n = combine_binary([(int(r["events"]), int(r["arm_n"])) for r in arms])
        if len(arms) > 1:
            parts = " + ".join(f"{r['group']!r} {r['events']}/{r['arm_n']}" for r in arms)
            corrections.append(
                f"combined {len(arms)} {role} arms (Cochrane Handbook 6.5.2.10, "
                f"23.3.4: events and totals summed): {parts} = {events}/{n}"
            )
        return events, n
    mean, sd, n = combine_means([(float(r["mean"]), float(r["sd"]), int(r["arm_n"])) for r in arms])
    if len(arms) > 1:
        parts = " + ".join(
            f"{r['group']!r} {r['mean']}({r['sd']:.4g}) n={r['arm_n']}" for r in arms
        )
        corrections.append(
            f"combined {len(arms)} {role} arms (Cochrane Handbook Table 6.5.a "
            f"combined mean and SD): {parts} = {mean:.4f}({sd:.4f}) n={n}"
        )
    return mean, sd, n


def _measure_source(row: dict[str, Any]) -> str:
    """Where the measure came from, without the group (groups are listed separately)."""
    if row["source_kind"] == "ctgov_results":
        return f"CT.gov {row['nct_id']} outcome measure {row['measure_title']!r}"
    return f"{row['source']} | {row['measure_title']!r}"


def _table_row(spec: dict[str, Any], arms: list[dict[str, Any]], codes: dict[str, Any]) -> dict:
    measure = MEASURES[spec["measure"]]
    kind = "continuous" if measure.kind == CONTINUOUS else "binary"
    exp = [r for r in arms if r["arm_role"] == "experimental"]
    ctl = [r for r in arms if r["arm_role"] == "control"]
    corrections: list[str] = []
    derived = [r for r in arms if r["derivation"]]
    if derived:
        corrections.append(
            f"{len(derived)} arm value(s) derived: "
            + " | ".join(f"{r['group']!r}: {r['derivation']}" for r in derived)
        )
    first = arms[0]
    row: dict[str, Any] = {"study": first["study_label"] or first["study_id"]}
    e = _combine(exp, kind, "experimental", corrections)
    if measure.kind == SINGLE_ARM:
        row.update(xi=e[0], ni=e[1])
    elif kind == "binary":
        c = _combine(ctl, kind, "control", corrections)
        row.update(ai=e[0], bi=e[1] - e[0], ci=c[0], di=c[1] - c[0])
    else:
        c = _combine(ctl, kind, "control", corrections)
        row.update(m1i=e[0], sd1i=e[1], n1i=e[2], m2i=c[0], sd2i=c[1], n2i=c[2])
    groups = "; ".join(f"{r['arm_role']}: {r['group']!r}" for r in arms)
    row.update(
        study_id=first["study_id"],
        nct_id=first["nct_id"],
        pmid=first["pmid"],
        source=f"{_measure_source(first)} | {groups}",
        source_kind=first["source_kind"],
        corrections="; ".join(corrections) or None,
        selection=(
            f"data version {first['data_version']}; time frame {first['timepoint_text']!r}"
            + (
                f" = day {first['timepoint_days']:g}"
                if first["timepoint_days"] is not None
                else " (no day stated; the analysis sets no time window)"
            )
        ),
        outcome=spec["outcome"],
        timepoint_days=first["timepoint_days"],
    )
    for fld in CODING_FIELDS:
        if fld in (spec.get("filters") or {}) or fld == spec.get("by"):
            row[fld] = codes.get(fld)
    return row
