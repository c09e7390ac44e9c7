"""Coding ``drug`` (which drug of the review's family is given) and ``route`` (how it is given).

"The drug" below is any drug the codebook's ``drug`` rules name (the review's drug family).
Field priority follows LABELING.md: what the interventions and arms say decides; titles and
summaries are read only when they say nothing. In titles, summaries and arm text a route word
counts only next to a word naming the drug (within ``route_window`` characters), so "oral
comparator" or "intravenous saline" beside a nasal spray of drug A is not a second route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from trialsynth.code.codebook import Codebook, candidates
from trialsynth.code.evidence import Evidence, evidence_of, rule_matches
from trialsynth.code.texts import Arm, Intervention, StudyText, Text


@dataclass
class FieldResult:
    """The value of one coded field, its evidence and any flags."""

    value: str
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


#: :func:`drug_of` results for the study being coded, by codebook and texts: one study asks
#: for the drug of the same intervention or arm from many places (the drug, route and
#: comparator tiers, each comparator value; ~15 times per study). Emptied per study
#: (:func:`clear_drug_memo`, called by :func:`trialsynth.code.study.code_study`).
_DRUG_MEMO: dict[tuple[int, tuple[Text, ...]], tuple[str, Evidence] | None] = {}
DRUG_MEMO_LIMIT = 10_000


def clear_drug_memo() -> None:
    """Forget the remembered drugs (:data:`_DRUG_MEMO`)."""
    _DRUG_MEMO.clear()


def drug_of(texts: Iterable[Text], codebook: Codebook) -> tuple[str, Evidence] | None:
    """The most specific drug of the review named in ``texts`` (codebook order wins;
    remembered for the study being coded, :data:`_DRUG_MEMO`: a pure function of the texts,
    whose paths and words the :class:`Text` key holds, and of the codebook)."""
    pieces = tuple(texts)
    key = (id(codebook), pieces)
    if key in _DRUG_MEMO:
        return _DRUG_MEMO[key]
    best: tuple[int, str, Evidence] | None = None
    for text in pieces:
        for rule in candidates(codebook.drug, text.text):
            match = rule.search(text.text)
            if match is not None:
                rank = codebook.drug.index(rule)
                if best is None or rank < best[0]:
                    best = (rank, rule.value, evidence_of(text, match))
    found = None if best is None else (best[1], best[2])
    if len(_DRUG_MEMO) >= DRUG_MEMO_LIMIT:
        _DRUG_MEMO.clear()
    _DRUG_MEMO[key] = found
    return found


def drug_of_units(
    units: Iterable[Sequence[Text]], codebook: Codebook
) -> tuple[str, list[Evidence]] | None:
    """The drug of a tier of units (one intervention's texts, an arm's texts, ...): each unit
    gives its most specific drug, and different drugs across units give the field's ``several``
    value; ``None`` when no unit names a drug."""
    found: dict[str, Evidence] = {}
    for texts in units:
        hit = drug_of(texts, codebook)
        if hit is not None:
            found.setdefault(hit[0], hit[1])
    if not found:
        return None
    value = str(codebook.fields["drug"].several) if len(found) > 1 else next(iter(found))
    return value, list(found.values())


def drug_interventions(st: StudyText, codebook: Codebook) -> list[Intervention]:
    """Interventions that name a drug of the review."""
    return [i for i in st.interventions if drug_of(i.texts, codebook) is not None]


def drug_arms(st: StudyText, codebook: Codebook) -> list[Arm]:
    """Arms that name a drug of the review or receive an intervention that does."""
    labels = {lab for i in drug_interventions(st, codebook) for lab in i.arm_labels}
    return [
        a
        for a in st.arms
        if drug_of(a.texts, codebook) is not None or (a.label and a.label.text in labels)
    ]


def code_drug(st: StudyText, codebook: Codebook) -> FieldResult:
    """A value of the codebook's ``drug`` rules, or the field's ``several`` / ``not_stated``.

    Each intervention (then each arm) gives its most specific drug; two different drugs across
    interventions give ``several``. Without an intervention or arm naming the drug, the most
    specific drug of the titles, then of the summaries, is taken; failing that ``not_stated``
    with the flag ``drug_not_named``.
    """
    for units in ([i.texts for i in st.interventions], [a.texts for a in st.arms]):
        named = drug_of_units(units, codebook)
        if named is not None:
            return FieldResult(*named)
    for section in (st.titles, st.summaries):
        hit = drug_of(section, codebook)
        if hit is not None:
            return FieldResult(hit[0], [hit[1]])
    return FieldResult(str(codebook.fields["drug"].not_stated), [], ["drug_not_named"])


def _routes_anywhere(texts: Sequence[Text], codebook: Codebook) -> dict[str, Evidence]:
    return rule_matches(texts, codebook.route)


def _routes_near_drug(texts: Sequence[Text], codebook: Codebook) -> dict[str, Evidence]:
    """Route words within ``route_window`` characters of a word naming the drug."""
    window = codebook.route_window
    found: dict[str, Evidence] = {}
    for text in texts:
        drug_spans = [m.span() for m in codebook.any_drug.finditer(text.text)]
        if not drug_spans:
            continue
        for rule in candidates(codebook.route, text.text):
            if rule.value in found:
                continue
            for match in rule.finditer(text.text):
                start, end = match.span()
                if any(s - end <= window and start - e <= window for s, e in drug_spans):
                    found[rule.value] = evidence_of(text, match)
                    break
    return found


def code_route(
    st: StudyText,
    codebook: Codebook,
    drug: FieldResult | None = None,
    comparator: FieldResult | None = None,
) -> FieldResult:
    """A value of the codebook's ``route`` rules, or the field's ``several`` / ``not_stated``.

    Tiers, the first that states a route decides: the drug's interventions' own text (every
    route word); the drug's arms; the titles; the summaries and inclusion criteria (route words
    next to a word naming the drug). Two routes in the deciding tier give ``several`` and the flag
    ``route_conflict``. Failing all these, a single route word anywhere in the summaries (e.g.
    "pre-infusion") is taken with the flag ``route_from_context``; then a route the coded
    ``drug`` and ``comparator`` imply (codebook ``route_implied``, flag ``route_implied``, the
    comparator's evidence); otherwise ``not_stated`` and ``route_not_stated``.
    """
    spec = codebook.fields["route"]
    tiers: tuple[Callable[[], dict[str, Evidence]], ...] = (
        lambda: _routes_anywhere(
            [t for i in drug_interventions(st, codebook) for t in i.texts], codebook
        ),
        lambda: _routes_near_drug(
            [t for a in drug_arms(st, codebook) for t in a.texts] + st.result_groups, codebook
        ),
        lambda: _routes_near_drug(st.titles, codebook),
        lambda: _routes_near_drug(st.summaries + st.inclusion, codebook),
    )
    for tier in tiers:
        found = tier()
        if len(found) == 1:
            return FieldResult(next(iter(found)), list(found.values()))
        if len(found) > 1:
            return FieldResult(str(spec.several), list(found.values()), ["route_conflict"])
    loose = _routes_anywhere(st.summaries, codebook)
    if len(loose) == 1:
        return FieldResult(next(iter(loose)), list(loose.values()), ["route_from_context"])
    if drug is not None and comparator is not None:
        for implied in codebook.route_implied:
            if drug.value in implied.drugs and comparator.value in implied.comparators:
                return FieldResult(implied.value, list(comparator.evidence), ["route_implied"])
    return FieldResult(str(spec.not_stated), [], ["route_not_stated"])
