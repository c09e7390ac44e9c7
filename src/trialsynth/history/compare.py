"""What changed between two run records: studies, screening decisions and pooled estimates.

:func:`compare_records` gives a plain dict (JSON-ready) that ``trialsynth diff`` prints and the
report's "What changed since the previous run" section shows. An estimate "moved" when its
value, its interval or its k differ; its interval "now crosses the null" when it did not contain
the measure's value of no effect before and does now (and the reverse is reported too).
"""

from __future__ import annotations

import math
from typing import Any

#: Conditions ``trialsynth diff --fail-on`` can flag for a reviewer.
FAIL_ON = ("null-crossing", "study-removed", "decision-changed", "estimate-moved")
#: Relative tolerance under which two estimates are the same (rounding of a rerun).
_RTOL = 1e-9


def _crosses_null(entry: dict[str, Any] | None) -> bool | None:
    """Whether the interval contains the value of no effect (None when not defined)."""
    if not entry or entry.get("null") is None:
        return None
    lower, upper = entry.get("ci_lb"), entry.get("ci_ub")
    if lower is None or upper is None:
        return None
    return bool(lower <= entry["null"] <= upper)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=_RTOL, abs_tol=1e-12)


def _estimate_change(
    old: dict[str, Any] | None, new: dict[str, Any] | None
) -> dict[str, Any] | None:
    """One analysis' change, or None when nothing moved."""
    fields = ("estimate", "ci_lb", "ci_ub")
    if old and new and old.get("k") == new.get("k") and all(_same(old[f], new[f]) for f in fields):
        return None
    before, after = _crosses_null(old), _crosses_null(new)
    return {
        "status": "added" if old is None else "removed" if new is None else "moved",
        "measure": (new or old or {}).get("measure"),
        "k_old": old.get("k") if old else None,
        "k_new": new.get("k") if new else None,
        "old": {f: old.get(f) for f in ("estimate", "ci_lb", "ci_ub")} if old else None,
        "new": {f: new.get(f) for f in ("estimate", "ci_lb", "ci_ub")} if new else None,
        "null": (new or old or {}).get("null"),
        "now_crosses_null": bool(after) and before is False,
        "no_longer_crosses_null": after is False and bool(before),
    }


def compare_records(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The changes from record ``old`` to record ``new``.

    Returns
    -------
    dict
        ``snapshots`` (old and new keys), ``studies`` (``new``, ``removed``, ``updated`` lists of
        study IDs), ``decisions`` (``[{study_id, old, new}]`` for studies in both runs whose
        screening decision changed), ``estimates`` (``{analysis id: change}`` for analyses that
        moved, appeared or disappeared) and ``counts``.
    """
    old_studies, new_studies = old["studies"], new["studies"]
    added = sorted(set(new_studies) - set(old_studies))
    removed = sorted(set(old_studies) - set(new_studies))
    updated = sorted(
        s for s in set(old_studies) & set(new_studies) if old_studies[s] != new_studies[s]
    )
    old_decisions, new_decisions = old["screening"], new["screening"]
    decisions = [
        {"study_id": s, "old": old_decisions[s], "new": new_decisions[s]}
        for s in sorted(set(old_decisions) & set(new_decisions))
        if old_decisions[s] != new_decisions[s]
    ]
    estimates = {}
    for analysis in sorted(set(old["estimates"]) | set(new["estimates"])):
        change = _estimate_change(old["estimates"].get(analysis), new["estimates"].get(analysis))
        if change is not None:
            estimates[analysis] = change
    return {
        "snapshots": {"old": old["snapshot_key"], "new": new["snapshot_key"]},
        "studies": {"new": added, "removed": removed, "updated": updated},
        "decisions": decisions,
        "estimates": estimates,
        "counts": {
            "studies_new": len(added),
            "studies_removed": len(removed),
            "studies_updated": len(updated),
            "decisions_changed": len(decisions),
            "estimates_moved": len(estimates),
            "now_crossing_null": sum(c["now_crosses_null"] for c in estimates.values()),
        },
    }


def failed_conditions(changes: dict[str, Any], fail_on: list[str]) -> list[str]:
    """The ``--fail-on`` conditions that the changes meet, in the order given."""
    counts = changes["counts"]
    met = {
        "null-crossing": counts["now_crossing_null"] > 0,
        "study-removed": counts["studies_removed"] > 0,
        "decision-changed": counts["decisions_changed"] > 0,
        "estimate-moved": counts["estimates_moved"] > 0,
    }
    return [condition for condition in fail_on if met[condition]]


def _effect(change: dict[str, Any], which: str) -> str:
    from trialsynth.meta.measures import MEASURES

    values = change[which]
    if values is None:
        return "none"
    if values["estimate"] is None:
        return "not estimable"
    measure = MEASURES.get(change["measure"] or "")
    if measure is None or values["ci_lb"] is None or values["ci_ub"] is None:
        return f"{values['estimate']:.3g}"
    return measure.format_effect(values["estimate"], values["ci_lb"], values["ci_ub"])


def estimate_lines(changes: dict[str, Any]) -> list[str]:
    """One line per moved estimate: ``id: old -> new (k a -> b)[, CI now crosses the null]``."""
    lines = []
    for analysis, change in changes["estimates"].items():
        line = (
            f"{analysis}: {_effect(change, 'old')} -> {_effect(change, 'new')} "
            f"(k {change['k_old'] if change['k_old'] is not None else '-'} -> "
            f"{change['k_new'] if change['k_new'] is not None else '-'})"
        )
        if change["now_crosses_null"]:
            line += ", CI now crosses the null"
        elif change["no_longer_crosses_null"]:
            line += ", CI no longer crosses the null"
        lines.append(line)
    return lines


def format_changes(changes: dict[str, Any], limit: int = 20) -> str:
    """Plain text for a terminal or a CI log (at most ``limit`` IDs per list)."""

    def ids(values: list[str]) -> str:
        shown = ", ".join(values[:limit])
        more = f" (+{len(values) - limit} more)" if len(values) > limit else ""
        return (shown + more) or "-"

    snap = changes["snapshots"]
    studies = changes["studies"]
    lines = [
        f"snapshot {snap['old']} -> {snap['new']}",
        f"studies new ({len(studies['new'])}): {ids(studies['new'])}",
        f"studies removed ({len(studies['removed'])}): {ids(studies['removed'])}",
        f"studies updated ({len(studies['updated'])}): {ids(studies['updated'])}",
        f"screening decisions changed ({len(changes['decisions'])}):",
        *[f"  {d['study_id']}: {d['old']} -> {d['new']}" for d in changes["decisions"][:limit]],
        f"estimates moved ({len(changes['estimates'])}):",
        *[f"  {line}" for line in estimate_lines(changes)],
    ]
    return "\n".join(lines) + "\n"


def changes_for_report(changes: dict[str, Any] | None, limit: int = 50) -> dict[str, Any] | None:
    """What the report's "What changed since the previous run" section shows, from the
    ``changes.json`` of ``trialsynth history`` (None when there is no such file).

    Returns
    -------
    dict or None
        ``first_run`` (no previous run to compare with), ``previous`` and ``current`` snapshot
        keys, ``counts``, ``new`` / ``removed`` / ``updated`` study IDs (at most ``limit``
        each, ``more`` counts the rest), ``decisions`` (``study_id``, ``old``, ``new``) and
        ``estimates`` (one sentence each: old -> new, k old -> new, whether the CI now crosses
        the null).
    """
    if changes is None:
        return None
    if changes.get("previous") is None:
        return {"first_run": True, "current": changes.get("current")}
    studies = changes["studies"]
    return {
        "first_run": False,
        "previous": changes["previous"],
        "current": changes["current"],
        "counts": changes["counts"],
        "new": studies["new"][:limit],
        "removed": studies["removed"][:limit],
        "updated": studies["updated"][:limit],
        "more": {name: max(0, len(ids) - limit) for name, ids in studies.items()},
        "decisions": changes["decisions"][:limit],
        "estimates": estimate_lines(changes),
    }
