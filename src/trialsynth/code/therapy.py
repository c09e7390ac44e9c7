"""Coding ``psychotherapy`` (yes/no) and ``psychotherapy_type`` (multi-valued).

A structured psychological or behavioural therapy delivered in at least one arm counts
(LABELING.md); a therapy only mentioned as background, negated ("without psychotherapy") or
continued by participants outside the trial does not (codebook ``ignore_sentence``). Tiers,
the first with a therapy decides: intervention names; intervention descriptions of behavioural
interventions; arm text; titles and summaries sentence by sentence. A therapy named without a
modality (drug-assisted psychotherapy, integration sessions) gives the ``unnamed`` value.
"""

from __future__ import annotations

from collections.abc import Sequence

from trialsynth.code.codebook import Codebook
from trialsynth.code.drug_route import FieldResult
from trialsynth.code.evidence import Evidence, evidence_of, kept_sentences, rule_matches
from trialsynth.code.texts import StudyText, Text


def therapy_types_in(texts: Sequence[Text], codebook: Codebook) -> dict[str, Evidence]:
    """Named modalities in ``texts``; else the unnamed value when therapy is named at all."""
    found = rule_matches(texts, codebook.therapy_types)
    if found:
        return found
    unnamed = codebook.therapy_unnamed
    for text in texts:
        match = unnamed.search(text.text)
        if match is not None:
            return {unnamed.value: evidence_of(text, match)}
    return {}


def _behavioural_fallback(st: StudyText, codebook: Codebook) -> dict[str, Evidence]:
    """A behavioural intervention whose text names no modality is ``other`` therapy."""
    for item in st.interventions:
        if item.type in codebook.behavioral_types and item.name is not None:
            return {"other": evidence_of(item.name)}
    return {}


def code_psychotherapy(st: StudyText, codebook: Codebook) -> tuple[FieldResult, FieldResult]:
    """``(psychotherapy, psychotherapy_type)``; ``no`` / ``none`` when no therapy is found."""
    ignore = codebook.therapy_ignore
    behavioural = [i for i in st.interventions if i.type in codebook.behavioral_types]
    need = codebook.any_therapy
    tiers: tuple[list[Text], ...] = (
        [i.name for i in st.interventions if i.name],
        [i.description for i in behavioural if i.description],
        [t for a in st.arms for t in a.texts],
        st.titles + st.summaries + st.inclusion,
    )
    found: dict[str, Evidence] = {}
    for texts in tiers:
        found = therapy_types_in(kept_sentences(texts, ignore, need), codebook)
        if found:
            break
    if not found:
        found = _behavioural_fallback(st, codebook)
    if not found:
        return FieldResult("no"), FieldResult("none")
    values = sorted(found)
    evidence = [found[v] for v in values]
    return FieldResult("yes", evidence), FieldResult(";".join(values), evidence)
