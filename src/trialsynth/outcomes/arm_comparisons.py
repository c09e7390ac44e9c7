"""Comparisons between arms: a study's reported estimate, or a contrast of its arms.

``effect_estimate``
    One row per study with ``yi``/``vi`` from an estimate and its CI (:mod:`.effects`).
``arm_contrast``
    One row per study pairing arms that match ``arm_filters`` with arms that match
    ``control_filters`` at the same outcome and time point (``ai..di``); arms of the same side
    are combined (events and totals summed).
"""

from __future__ import annotations

import re

from trialsynth.meta.measures import gen_label
from trialsynth.outcomes.arm_rows import (
    ArmBuild,
    Built,
    Row,
    arm_codes,
    base_row,
    group_by,
    study_label,
)
from trialsynth.outcomes.arm_selection import dose_day, passes
from trialsynth.outcomes.effects import gen_from_ci


def effect_estimate_rows(build: ArmBuild, rows: list[Row]) -> Built:
    """The study's first estimate as ``yi``/``vi`` (``GEN``), labelled with its measure."""
    measures = {r["effect_measure"] for r in rows}
    if len(measures) > 1:
        return "mixed_measures", f"estimates on different measures {sorted(measures)}"
    chosen = rows[0]
    for r in rows[1:]:
        build.not_used(r, "first estimate of the study used")
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
    row = base_row([chosen], [gen.derivation])
    row.update(study=study_label(chosen), yi=gen.yi, vi=gen.vi, measure_label=gen_label(measure))
    build.use([chosen])
    return [row]


def arm_contrast_rows(build: ArmBuild, rows: list[Row]) -> Built:
    """The first outcome and time point (in the protocol's outcome order) with both sides."""
    spec = build.spec
    filters = dict(spec.get("arm_filters") or {})
    controls = dict(spec.get("control_filters") or {})
    label = re.compile(spec["control_label"], re.IGNORECASE) if spec.get("control_label") else None
    order = build.outcomes
    points = group_by(rows, lambda r: (r["outcome"], _contrast_day(spec, r)))
    for (_, _days), arms in sorted(points.items(), key=lambda kv: order.index(kv[0][0])):
        exp = [r for r in arms if passes(r, filters)]
        ctl = [
            r
            for r in arms
            if passes(r, controls)
            and r not in exp
            and (label is None or label.search(str(r["group"])))
        ]
        if not exp or not ctl:
            continue
        ex, en, enotes = build.combined(exp)
        cx, cn, cnotes = build.combined(ctl)
        row = base_row(exp + ctl, enotes + cnotes)
        # The codes a subgroup reads are the experimental arms' (the comparator has no drug).
        row.update(arm_codes(exp))
        row.update(study=study_label(exp[0]), ai=ex, bi=en - ex, ci=cx, di=cn - cx)
        row["source"] += f" | experimental {[r['group'] for r in exp]} vs control " + str(
            [r["group"] for r in ctl]
        )
        build.use(exp + ctl)
        return [row]
    wanted = f"{controls}" + (f" named {spec['control_label']!r}" if label else "")
    return "no_arm_pair", f"no arms matching {filters} and {wanted} at the same time point"


def _contrast_day(spec: dict[str, object], row: Row) -> float:
    """The day arms are paired on: days since the dose for a time-point window, else the
    horizon after the course (``-1`` when the row has none)."""
    day = dose_day(row) if spec.get("timepoint_days") else row["horizon_days"]
    return float(day if day is not None else -1)
