"""Analyses built from coded sheet arms: proportions per horizon window, decay-model rows,
precomputed effects and within-study arm contrasts.

The contrast analyses of :mod:`trialsynth.outcomes.analyses` pair arms by role inside a
registered trial and filter on the trial's coding. Durability questions ask about *arms*: the
proportion of people still benefiting some days after the last dose, in arms that received the
drug with or without psychotherapy. These analyses read the arm codes the sheets carry
(``drug``, ``psychotherapy``, ...), the horizon after the course (:mod:`.horizons`) and the
outcome, and list every study left out with its first reason (:mod:`.arm_selection`, then the
kind's own: no pair of arms, mixed measures, a bad estimate).

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
    ``horizon_days``: the input of a meta-regression on the horizon (:mod:`.arm_decay`).
``effect_estimate``
    One row per study with ``yi``/``vi`` from an estimate and its CI (:mod:`.effects`).
``arm_contrast``
    One row per study pairing arms that match ``arm_filters`` with arms that match
    ``control_filters`` at the same outcome and horizon (``ai..di``) (:mod:`.arm_comparisons`).

This module checks an arm analysis against the protocol, gives its column order and runs the
kind's builder on every study; the rows they share are built in :mod:`.arm_rows`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from trialsynth.errors import ProtocolError
from trialsynth.meta.effect_sizes import ZeroCellSettings
from trialsynth.meta.measures import BINARY, MEASURES, PRECOMPUTED, SINGLE_ARM, measure_names
from trialsynth.outcomes.analyses import ID_COLUMNS, AnalysisResult
from trialsynth.outcomes.arm_comparisons import arm_contrast_rows, effect_estimate_rows
from trialsynth.outcomes.arm_decay import decay_rows
from trialsynth.outcomes.arm_proportions import arm_proportion_rows
from trialsynth.outcomes.arm_rows import (
    ARM_FIELDS,
    ArmBuild,
    Built,
    Row,
    group_by,
    spec_outcomes,
)
from trialsynth.outcomes.arm_selection import qualifying_rows
from trialsynth.outcomes.rules import OutcomeRules

_BUILDERS = {
    "arm_proportion": arm_proportion_rows,
    "decay": decay_rows,
    "effect_estimate": effect_estimate_rows,
    "arm_contrast": arm_contrast_rows,
}
ARM_KINDS = tuple(_BUILDERS)
#: Measures each kind writes (measure registry names).
KIND_MEASURES = {
    "arm_proportion": measure_names(SINGLE_ARM),
    "decay": measure_names(PRECOMPUTED),
    "effect_estimate": measure_names(PRECOMPUTED),
    "arm_contrast": measure_names(BINARY),
}
#: Columns each kind writes after ``study``: its measure's input columns, then the counts behind
#: a decay row's logit or the label of a reported estimate's measure.
_EXTRA_COLUMNS = {"decay": ("xi", "ni"), "effect_estimate": ("measure_label",)}
_EFFECT_COLUMNS = {
    kind: (*MEASURES[names[0]].columns, *_EXTRA_COLUMNS.get(kind, ()))
    for kind, names in KIND_MEASURES.items()
}
_PROVENANCE = (*ID_COLUMNS, "horizon_days")


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


def check_arm_analysis(spec: dict[str, Any], rules: OutcomeRules, path: object) -> None:
    """Raise :class:`ProtocolError` for an arm analysis this stage cannot build."""
    key = f"key analyses.{spec['id']}"
    unknown = [o for o in spec_outcomes(spec) if o not in rules.definitions]
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


def build_arm_analysis(
    spec: dict[str, Any],
    rows: list[Row],
    screening: pd.DataFrame | None,
    zero_cells: ZeroCellSettings | None = None,
) -> AnalysisResult:
    """Build the input table of one arm analysis (see the module docstring)."""
    wanted = spec_outcomes(spec)
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
    result = AnalysisResult(table=pd.DataFrame(columns=arm_analysis_columns(spec)), exclusions=[])
    build = ArmBuild(spec, result, zero_cells)
    out: list[Row] = []
    for study_id, study_rows in sorted(group_by(cands, lambda r: r["study_id"]).items()):
        built: Built = qualifying_rows(spec, study_id, study_rows, screen)
        if not isinstance(built, tuple):
            built = _BUILDERS[spec["kind"]](build, built)
        if isinstance(built, tuple):
            build.leave_out(study_id, study_rows, *built)
        else:
            out.extend(built)
    if out:
        result.table = pd.DataFrame(out, columns=arm_analysis_columns(spec))
    return result
