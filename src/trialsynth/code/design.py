"""Coding ``comparator`` and ``design``.

Comparator: the first codebook ``comparator`` value that applies (LABELING.md gives the order),
else ``none``. Evidence is looked for in the interventions and arms that do not give the drug of
the review, in arm types, in all arm labels, and in the sentences of titles and summaries that
compare (``comparison_sentence``).

Design: the registry's study type and allocation decide; otherwise the words of the record
(retrospective, randomised, non-randomised, single-arm); otherwise a record with a comparison
is coded ``RCT`` (flag ``design_inferred``) and one without ``single_arm``.
"""

from __future__ import annotations

from trialsynth.code.codebook import Codebook, Rule, candidates
from trialsynth.code.drug_route import FieldResult, drug_arms, drug_of
from trialsynth.code.evidence import Evidence, any_pattern, evidence_of, kept_sentences
from trialsynth.code.texts import StudyText, Text
from trialsynth.code.therapy import therapy_types_in


def _comparison_sentences(texts: list[Text], codebook: Codebook) -> list[Text]:
    keep = codebook.comparison_sentence
    found = kept_sentences(texts, None, codebook.any_comparator)
    return [s for s in found if any_pattern(keep, s.text)]


def _is_placebo(text: Text, codebook: Codebook) -> bool:
    return any(r.search(text.text) for r in codebook.comparator[:2])


def _words_name_another_comparator(rule: Rule, texts: list[Text], codebook: Codebook) -> bool:
    """True when ``texts`` name a comparator other than ``rule``'s and not ``rule``'s own."""
    if _first_match(rule, texts) is not None:
        return False
    return any(
        other is not rule and other.search(text.text) is not None
        for text in texts
        for other in candidates(codebook.comparator, text.text)
    )


def _structured_evidence(rule: Rule, st: StudyText, codebook: Codebook) -> Evidence | None:
    """Evidence from arm types and intervention types. An arm's own words outrank its type: a
    "Placebo Comparator" arm whose text names an active placebo is an active placebo."""
    for arm in st.arms:
        if arm.type in rule.arm_types and not _words_name_another_comparator(
            rule, list(arm.texts), codebook
        ):
            return evidence_of(arm.label) if arm.label else Evidence("armGroups.type", arm.type)
    for item in st.interventions:
        if (
            item.type in rule.intervention_types
            and item.name is not None
            and drug_of(item.texts, codebook) is None
            and not _is_placebo(item.name, codebook)
        ):
            return evidence_of(item.name)
    return None


def _first_match(rule: Rule, texts: list[Text]) -> Evidence | None:
    for text in texts:
        match = rule.search(text.text)
        if match is not None:
            return evidence_of(text, match)
    return None


def explicit_comparator(st: StudyText, codebook: Codebook) -> FieldResult:
    """The first comparator value with evidence, or ``none``.

    Tiers, the first with any evidence decides: titles that compare ("X versus Y"); the
    interventions and arms that are not the drug of the review, arm types, the drug's arm labels
    and posted result groups; sentences of the summaries that compare. Within a tier the
    codebook order (LABELING.md) decides.
    """
    without_drug = [
        t for i in st.interventions if drug_of(i.texts, codebook) is None for t in i.texts
    ]
    with_drug = drug_arms(st, codebook)
    other_arms = [a for a in st.arms if a not in with_drug]
    other_arm_texts = [t for a in other_arms for t in a.texts]
    structured = without_drug + other_arm_texts + [a.label for a in with_drug if a.label]
    structured += [g for g in st.result_groups if drug_of([g], codebook) is None]
    tiers = [
        (_comparison_sentences(st.titles, codebook), False),
        (structured, True),
        (_comparison_sentences(st.summaries, codebook), False),
    ]
    for texts, is_structured in tiers:
        for rule in codebook.comparator:
            if rule.value == "psychotherapy_only":
                if not is_structured:
                    continue
                therapy_arms = [a for a in other_arms if therapy_types_in(list(a.texts), codebook)]
                if therapy_arms and therapy_arms[0].label:
                    return FieldResult(rule.value, [evidence_of(therapy_arms[0].label)])
                continue
            found = _structured_evidence(rule, st, codebook) if is_structured else None
            if found is None and rule.only_without_drug:
                found = _first_match(rule, without_drug + other_arm_texts)
            elif found is None:
                found = _first_match(rule, texts)
            if found is not None:
                return FieldResult(rule.value, [found])
    drug_items = [i for i in st.interventions if drug_of(i.texts, codebook) is not None]
    if len(drug_items) >= 2 or len(st.arms) >= 2:
        evidence = [evidence_of(i.name) for i in drug_items if i.name]
        evidence += [evidence_of(a.label) for a in st.arms if a.label]
        return FieldResult("other", evidence, ["comparator_inferred"])
    return FieldResult("none")


def _design_from_text(st: StudyText, codebook: Codebook) -> FieldResult | None:
    texts = st.titles + st.summaries
    for value, key in (
        ("observational", "observational"),
        ("nonrandomized_controlled", "nonrandomized"),
        ("RCT", "randomized"),
        ("single_arm", "single_arm"),
    ):
        for text in texts:
            match = codebook.design[key].search(text.text)
            if match is not None:
                return FieldResult(value, [evidence_of(text, match)])
    return None


def code_design(st: StudyText, codebook: Codebook, comparator: FieldResult) -> FieldResult:
    """``RCT`` | ``nonrandomized_controlled`` | ``single_arm`` | ``observational``."""
    registry = Evidence("designModule", f"studyType={st.study_type}; allocation={st.allocation}")
    if st.study_type == "OBSERVATIONAL":
        return FieldResult("observational", [registry])
    retrospective = _design_from_text(st, codebook)
    if retrospective is not None and retrospective.value == "observational":
        return retrospective
    if st.allocation == "RANDOMIZED":
        return FieldResult("RCT", [registry])
    # Registrations often mark a one-group study NON_RANDOMIZED; the intervention model says
    # there is nothing to compare with.
    if st.allocation == "NA" or st.intervention_model == "SINGLE_GROUP":
        model = f"allocation={st.allocation}; interventionModel={st.intervention_model}"
        return FieldResult("single_arm", [Evidence("designModule", model)])
    if st.allocation == "NON_RANDOMIZED":
        return FieldResult("nonrandomized_controlled", [registry])
    if retrospective is not None:
        return retrospective
    if comparator.value != "none":
        return FieldResult("RCT", comparator.evidence, ["design_inferred"])
    return FieldResult("single_arm", [], ["design_inferred"])


def final_comparator(comparator: FieldResult, design: FieldResult) -> FieldResult:
    """Settle the comparator once the design is known.

    A single-arm study has no comparator; a controlled design with none named compares
    ``other`` (flag ``comparator_inferred``).
    """
    if design.value == "single_arm":
        return FieldResult("none")
    if comparator.value == "none" and design.value in ("RCT", "nonrandomized_controlled"):
        return FieldResult("other", [], ["comparator_inferred"])
    return comparator
