"""What every arm analysis kind shares: the analysis being built, and the rows it writes.

An arm analysis (:mod:`trialsynth.outcomes.arm_analyses`) reads outcome rows (one per arm,
outcome and time point) and writes one input row per study, subgroup or horizon. The kinds
differ in what they compute; they share how arms are grouped, which outcome of the protocol's
list is preferred, how several arms are combined into one (Cochrane Handbook 6.5.2.10: events
and totals summed) and the provenance columns of the row they write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from trialsynth.code.fields import FIELDS
from trialsynth.meta.effect_sizes import ZeroCellSettings
from trialsynth.outcomes.analyses import AnalysisResult
from trialsynth.outcomes.derive import combine_binary
from trialsynth.outcomes.rows import exclusion

#: One outcome row (a row of ``outcomes.csv`` as a dict).
Row = dict[str, Any]
#: A reason to leave a study out: ``(reason code, detail)``.
Reason = tuple[str, str]
#: What a kind builds for one study: its table rows, or the reason it has none.
Built = list[Row] | Reason

#: Arm codes an arm analysis may filter or subgroup on (columns of outcomes.csv): the coded
#: fields that describe an arm (the comparator describes a study), and the source's quality.
ARM_FIELDS: tuple[str, ...] = (*(f for f in FIELDS if f != "comparator"), "source_quality")

K = TypeVar("K", bound=Hashable)


def group_by(rows: Iterable[Row], key: Callable[[Row], K]) -> dict[K, list[Row]]:
    """The rows by ``key(row)``, keys and rows in the order they first appear."""
    groups: dict[K, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return dict(groups)


def spec_outcomes(spec: dict[str, Any]) -> list[str]:
    """The outcomes an analysis reads, most preferred first (``outcome``, ``outcomes_also``)."""
    return [spec["outcome"], *(spec.get("outcomes_also") or [])]


def study_label(row: Row) -> str:
    """The study's label as the report shows it (its ID when it has no label)."""
    return str(row["study_label"] or row["study_id"])


@dataclass
class ArmBuild:
    """One arm analysis being built: its protocol spec, the result it fills, the zero-cell rule.

    Parameters
    ----------
    spec
        The analysis of the protocol (``analyses[]``).
    result
        The table's exclusions and the use of each outcome record, filled as studies are built.
    zero_cells
        The protocol's zero-cell rule for logit proportions (``None``: the default rule).
    """

    spec: dict[str, Any]
    result: AnalysisResult
    zero_cells: ZeroCellSettings | None = None

    @property
    def outcomes(self) -> list[str]:
        """The outcomes the analysis reads, most preferred first."""
        return spec_outcomes(self.spec)

    @property
    def invert(self) -> set[str]:
        """Outcomes counting losses (relapses): the proportion keeping the benefit is n - x."""
        return set(self.spec.get("invert") or [])

    def subgroup(self, row: Row) -> str:
        """The row's value of the subgroup field (``by``), or ``""`` without subgroups."""
        by = self.spec.get("by")
        return str(row.get(by)) if by else ""

    def preferred_outcome(self, rows: list[Row]) -> list[Row]:
        """The rows of the most preferred outcome among ``rows``."""
        order = self.outcomes
        best = min(order.index(r["outcome"]) for r in rows)
        return [r for r in rows if order.index(r["outcome"]) == best]

    def use(self, rows: Iterable[Row]) -> None:
        """Record that the analysis reads these outcome records."""
        self.result.used.update(r["record_id"] for r in rows)

    def not_used(self, row: Row, why: str) -> None:
        """Record why the analysis passed over an outcome record of a study it kept."""
        self.result.not_used[row["record_id"]] = f"{self.spec['id']}: {why}"

    def leave_out(self, study_id: str, rows: list[Row], reason: str, detail: str) -> None:
        """Write the study's exclusion and mark its records unused (unless already marked)."""
        aid, first = self.spec["id"], rows[0]
        self.result.exclusions.append(
            exclusion(
                aid,
                reason,
                f"{study_label(first)}: {detail}",
                study_id=study_id,
                nct_id=first["nct_id"],
                pmid=first["pmid"],
                source_kind=";".join(sorted({r["source_kind"] for r in rows})),
                outcome=self.spec["outcome"],
            )
        )
        for r in rows:
            self.result.not_used.setdefault(r["record_id"], f"{aid}: {reason}")

    def combined(self, arms: list[Row]) -> tuple[int, int, list[str]]:
        """``(x, n, notes)`` of arms combined: people keeping the benefit, people, conversions."""
        kept = [_kept(r, self.invert) for r in arms]
        x, n = combine_binary([(k[0], k[1]) for k in kept])
        notes = [k[2] for k in kept if k[2]]
        if len(arms) > 1:
            notes.append(
                f"combined {len(arms)} arms (Cochrane Handbook 6.5.2.10: events and totals summed)"
                f" = {x}/{n}"
            )
        return x, n, notes


def _kept(row: Row, invert: set[str]) -> tuple[int, int, str | None]:
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


def arm_codes(arms: list[Row]) -> dict[str, str | None]:
    """Each arm field's values over ``arms`` (``;``-joined, sorted; ``None`` when none is coded)."""
    codes: dict[str, str | None] = {}
    for fld in ARM_FIELDS:
        values = sorted({str(r.get(fld)) for r in arms if r.get(fld) is not None})
        codes[fld] = ";".join(values) or None
    return codes


def base_row(arms: list[Row], corrections: list[str]) -> Row:
    """The provenance and arm-code columns of a table row built from ``arms``."""
    first = arms[0]
    groups = "; ".join(f"{r['group']!r}" for r in arms)
    derived = [f"{r['group']!r}: {r['derivation']}" for r in arms if r["derivation"]]
    return {
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
        **arm_codes(arms),
    }
