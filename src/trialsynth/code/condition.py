"""Coding ``condition``: every target population the record names (multi-valued).

Sources, in order of LABELING.md: the conditions list, keywords, titles and the inclusion part
of the eligibility criteria. The summaries are read when those name nothing; otherwise only
for values that qualify the codebook's ``unspecified`` value (``refine_from_summaries``, e.g. a
subtype of disorder A) and for values stated in a purpose sentence (``refine_from_purpose``:
"to decrease symptom B in ..."). Sentences that name a condition only as an allowed
comorbidity, an outcome, or something participants must not have are skipped (codebook
``condition.ignore_sentence``). A more specific value suppresses a less specific one found
alongside (``suppresses``: a subtype is not also its parent; ``suppresses_in_text``: the same
within one text). Conditions-list entries and keywords that are only a broad category term
(codebook ``condition.broad_terms``) do not count beside a specific disorder named in the
titles (:func:`broad_terms`).
"""

from __future__ import annotations

from collections.abc import Sequence

from trialsynth.code.codebook import Codebook, Rule, candidates
from trialsynth.code.drug_route import FieldResult
from trialsynth.code.evidence import Evidence, any_pattern, evidence_of, kept_sentences
from trialsynth.code.texts import StudyText, Text


def conditions_in(
    texts: Sequence[Text],
    codebook: Codebook,
    extra: dict[str, Evidence] | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> dict[str, Evidence]:
    """Every condition value with evidence in ``texts`` (plus ``extra``), after suppression.

    ``rules`` restricts the search to some values (default: all of the codebook).
    """
    found: dict[str, Evidence] = dict(extra or {})
    for text in texts:
        in_text: dict[str, Evidence] = {}
        local: set[str] = set()
        for rule in candidates(codebook.condition if rules is None else rules, text.text):
            match = rule.search(text.text)
            if match is None:
                continue
            in_text.setdefault(rule.value, evidence_of(text, match))
            local |= rule.suppresses_in_text
        for value, evidence in in_text.items():
            if value not in local:
                found.setdefault(value, evidence)
    suppressed = {v for rule in codebook.condition if rule.value in found for v in rule.suppresses}
    return {v: e for v, e in found.items() if v not in suppressed}


def _refinements(
    st: StudyText, codebook: Codebook, primary: dict[str, Evidence]
) -> dict[str, Evidence]:
    """Qualifying values from summary sentences (see the module docstring)."""
    unspecified = codebook.condition_unspecified
    wanted = set(codebook.purpose_refiners)
    if unspecified in primary:
        wanted |= codebook.condition_refiners
    rules = [r for r in codebook.condition if r.value in wanted]
    out: dict[str, Evidence] = {}
    for sentence in kept_sentences(st.summaries, codebook.condition_ignore, codebook.any_refiner):
        purpose = any_pattern(codebook.purpose_sentence, sentence.text)
        for rule in rules:
            if rule.value in out:
                continue
            by_purpose = purpose and rule.value in codebook.purpose_refiners
            qualifies = unspecified in primary and rule.value in codebook.condition_refiners
            if not (by_purpose or qualifies):
                continue
            match = rule.search(sentence.text)
            if match is not None:
                out[rule.value] = evidence_of(sentence, match)
    return out


def broad_terms(
    st: StudyText, codebook: Codebook
) -> tuple[list[Text], dict[str, Evidence], list[str]]:
    """Split the conditions list and keywords into specific entries and broad category terms.

    Registries list MeSH parents and DSM chapter names ("X Disorders") beside
    the disorder a trial targets. A value that only such a term gives is left out, with the
    flag ``condition_broad_term_ignored``, when the titles name a specific disorder (codebook
    ``broad_terms.yield_to``) and do not name that value; it is then a category or a
    comorbidity, not a target population. Otherwise it counts.

    Returns
    -------
    tuple
        ``(specific entries, broad values kept {value: evidence}, flags)``.
    """
    specific: list[Text] = []
    broad: list[Text] = []
    for text in st.conditions + st.keywords:
        (broad if any_pattern(codebook.condition_broad, text.text) else specific).append(text)
    if not broad:
        return specific, {}, []
    broad_values = conditions_in(broad, codebook)
    in_titles = conditions_in(st.titles, codebook)
    if not set(in_titles) & codebook.condition_broad_yield_to:
        return specific, broad_values, []
    kept = {v: e for v, e in broad_values.items() if v in in_titles}
    flags = ["condition_broad_term_ignored"] if len(kept) < len(broad_values) else []
    return specific, kept, flags


def code_condition(st: StudyText, codebook: Codebook) -> FieldResult:
    """The ``;``-joined sorted condition values with their evidence.

    With no condition named anywhere the value is the field's ``not_stated`` value with the
    flag ``condition_not_stated``.
    """
    specific, broad, flags = broad_terms(st, codebook)
    primary = (
        specific
        + st.titles
        + kept_sentences(st.inclusion, codebook.condition_ignore, codebook.any_condition)
    )
    found = conditions_in(primary, codebook, broad)
    if found:
        refined = _refinements(st, codebook, found)
        if refined:
            found = conditions_in([], codebook, {**found, **refined})
    else:
        summaries = kept_sentences(st.summaries, codebook.condition_ignore, codebook.any_condition)
        found = conditions_in(summaries, codebook)
    if not found:
        not_stated = str(codebook.fields["condition"].not_stated)
        return FieldResult(not_stated, [], ["condition_not_stated", *flags])
    values = sorted(found)
    return FieldResult(";".join(values), [found[v] for v in values], flags)
