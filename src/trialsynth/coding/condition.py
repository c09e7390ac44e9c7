"""Coding ``condition``: every target population the record names (multi-valued).

Sources, in order of LABELING.md: the conditions list, keywords, titles and the inclusion part
of the eligibility criteria. The summaries are read when those name nothing; otherwise only
for values that qualify unspecified depression (``refine_from_summaries``: treatment
resistance, bipolarity) and for values stated in a purpose sentence (``refine_from_purpose``:
"to decrease suicidality in ..."). Sentences that name a condition only as an allowed
comorbidity, an outcome, or something participants must not have are skipped (codebook
``condition.ignore_sentence``). A more specific value suppresses a less specific one found
alongside (``suppresses``: TRD is not also MDD; ``suppresses_in_text``: "bipolar depression"
is not also MDD).
"""

from __future__ import annotations

from collections.abc import Sequence

from trialsynth.coding.codebook import Codebook
from trialsynth.coding.drug_route import FieldResult
from trialsynth.coding.evidence import Evidence, any_pattern, evidence_of, kept_sentences
from trialsynth.coding.texts import StudyText, Text


def conditions_in(
    texts: Sequence[Text], codebook: Codebook, extra: dict[str, Evidence] | None = None
) -> dict[str, Evidence]:
    """Every condition value with evidence in ``texts`` (plus ``extra``), after suppression."""
    found: dict[str, Evidence] = dict(extra or {})
    suppressed: set[str] = set()
    for text in texts:
        in_text: dict[str, Evidence] = {}
        local: set[str] = set()
        for rule in codebook.condition:
            match = rule.search(text.text)
            if match is None:
                continue
            in_text.setdefault(rule.value, evidence_of(text, match))
            suppressed |= rule.suppresses
            local |= rule.suppresses_in_text
        for value, evidence in in_text.items():
            if value not in local:
                found.setdefault(value, evidence)
    for rule in codebook.condition:
        if rule.value in found:
            suppressed |= rule.suppresses
    for value in suppressed:
        found.pop(value, None)
    return found


def code_condition(st: StudyText, codebook: Codebook) -> FieldResult:
    """The ``;``-joined sorted condition values with their evidence.

    With no condition named anywhere the value is ``other`` with the flag
    ``condition_not_stated``.
    """
    primary = (
        st.conditions
        + st.keywords
        + st.titles
        + kept_sentences(st.inclusion, codebook.condition_ignore)
    )
    found = conditions_in(primary, codebook)
    summaries = conditions_in(kept_sentences(st.summaries, codebook.condition_ignore), codebook)
    if not found:
        found = summaries
    else:
        kept = kept_sentences(st.summaries, codebook.condition_ignore)
        purpose = [s for s in kept if any_pattern(codebook.purpose_sentence, s.text)]
        refined = {
            v: e
            for v, e in conditions_in(purpose, codebook).items()
            if v in codebook.purpose_refiners
        }
        if "MDD" in found:
            refined.update((v, e) for v, e in summaries.items() if v in codebook.condition_refiners)
        found = conditions_in(primary, codebook, refined)
    if not found:
        return FieldResult("other", [], ["condition_not_stated"])
    values = sorted(found)
    return FieldResult(";".join(values), [found[v] for v in values])
