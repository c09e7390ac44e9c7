"""``arm_proportion``: per study and subgroup, the proportion of people keeping the benefit.

For each arm the row of the most preferred outcome nearest the window's ``target`` day (its
latest row when the window has none) is chosen; the chosen arms of a subgroup are combined
(events and totals summed) into one ``xi``/``ni`` row.
"""

from __future__ import annotations

from trialsynth.outcomes.arm_rows import ArmBuild, Built, Row, base_row, group_by, study_label


def arm_proportion_rows(build: ArmBuild, rows: list[Row]) -> Built:
    """One ``xi``/``ni`` row per subgroup value (``by``) of one study."""
    out = []
    subgroups = group_by(rows, build.subgroup)
    several = len(subgroups) > 1
    for value, arms in sorted(subgroups.items()):
        chosen = _nearest_per_arm(build, arms)
        x, n, notes = build.combined(chosen)
        row = base_row(chosen, notes)
        row.update(study=study_label(chosen[0]) + (f" [{value}]" if several else ""), xi=x, ni=n)
        out.append(row)
        build.use(chosen)
        for r in arms:
            if r not in chosen:
                build.not_used(r, "another outcome or horizon of the study is preferred")
    return out


def _day(row: Row) -> float:
    value = row["horizon_days"] if row["horizon_days"] is not None else row["timepoint_days"]
    return float(value) if value is not None else 0.0


def _nearest_per_arm(build: ArmBuild, rows: list[Row]) -> list[Row]:
    """The rows of the most preferred outcome; for each arm, its row nearest the window target
    (or its latest row when the window has none)."""
    target = (build.spec.get("horizon_days") or {}).get("target")
    chosen = []
    for arm_rows in group_by(build.preferred_outcome(rows), lambda r: str(r["group"])).values():
        if target is not None:
            chosen.append(min(arm_rows, key=lambda r: (abs(_day(r) - target), _day(r))))
        else:
            chosen.append(max(arm_rows, key=_day))
    return sorted(chosen, key=lambda r: str(r["record_id"]))
