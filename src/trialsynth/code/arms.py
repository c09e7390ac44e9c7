"""Coding arms: which arm received the drug of the review, and which received psychotherapy.

A trial-level code says that *some* arm got a therapy; the question "drug alone or drug with
psychotherapy" needs it per arm (drug A + therapy B versus drug A + usual care inside one
trial). Every arm of a CT.gov record (``armGroups`` and the interventions linked to it) is coded for

- ``drug``: the drug of the review the arm receives (a value of the codebook's ``drug`` rules;
  the field's ``several`` value for more than one; ``not_stated`` (``none``) when neither the arm
  nor its interventions name one);
- ``psychotherapy``: ``yes``, ``no``, or ``unclear`` (the arm's words leave it open, such as
  "with or without", codebook ``psychotherapy.unclear_sentence``; or the record says a therapy is
  given in the study without naming the arm that gets it);
- ``psychotherapy_type``: the modalities, as for the trial.

For the drug, the names of the arm's own interventions decide, then its label, then the
descriptions of the arm and its interventions (flag ``drug_from_description``), which are not read
when the label names a comparator: registries often repeat one design sentence naming every
arm's drug in each arm's description, and describe a placebo as matching the drug.
:func:`code_arm_label` codes a free-text arm label with the same rules
(the arm rows of the curated extraction sheets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from trialsynth.code.codebook import Codebook, candidates
from trialsynth.code.drug_route import drug_of_units
from trialsynth.code.evidence import Evidence, evidence_of, kept_sentences, render_all
from trialsynth.code.texts import Arm, Intervention, StudyText, Text
from trialsynth.code.therapy import therapy_types_in

#: Column order of arms.csv.
ARM_COLUMNS: tuple[str, ...] = (
    "nct_id",
    "arm_index",
    "arm_label",
    "arm_type",
    "drug",
    "psychotherapy",
    "psychotherapy_type",
    "evidence_drug",
    "evidence_psychotherapy",
    "flags",
)


@dataclass
class ArmCoding:
    """The coding of one arm (see the module docstring for the values)."""

    label: str | None
    type: str | None
    drug: str
    psychotherapy: str
    psychotherapy_type: str
    evidence_drug: list[Evidence] = field(default_factory=list)
    evidence_psychotherapy: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def row(self, nct_id: str | None = None, index: int | None = None) -> dict[str, object]:
        """One row of arms.csv."""
        return {
            "nct_id": nct_id,
            "arm_index": index,
            "arm_label": self.label,
            "arm_type": self.type or None,
            "drug": self.drug,
            "psychotherapy": self.psychotherapy,
            "psychotherapy_type": self.psychotherapy_type,
            "evidence_drug": render_all(self.evidence_drug),
            "evidence_psychotherapy": render_all(self.evidence_psychotherapy),
            "flags": ";".join(sorted(set(self.flags))) or None,
        }


def _drug_in(
    tiers: Sequence[Sequence[Sequence[Text]]], codebook: Codebook
) -> tuple[str, list[Evidence], int]:
    """The arm's drug from the first tier that names one: ``(value, evidence, tier)``.

    Each tier is a list of units (one intervention's texts, or one text); each unit gives its
    most specific drug, and different drugs across units give the field's ``several`` value.
    """
    for rank, units in enumerate(tiers):
        named = drug_of_units(units, codebook)
        if named is not None:
            return named[0], named[1], rank
    return str(codebook.fields["drug"].not_stated), [], -1


def _names_a_comparator(texts: Sequence[Text], codebook: Codebook) -> bool:
    return any(
        rule.search(t.text) for t in texts for rule in candidates(codebook.comparator, t.text)
    )


def _therapy(
    tiers: Sequence[Sequence[Text]], behavioural: Sequence[Intervention], codebook: Codebook
) -> tuple[str, str, list[Evidence]]:
    """``(psychotherapy, psychotherapy_type, evidence)`` from the first tier naming a therapy."""
    type_spec = codebook.fields["psychotherapy_type"]
    for texts in tiers:
        kept = kept_sentences(texts, codebook.therapy_ignore, codebook.any_therapy)
        found = therapy_types_in(kept, codebook)
        if found:
            values = sorted(found)
            evidence = [found[v] for v in values]
            unclear = any(
                codebook.therapy_unclear.search(s.text) is not None
                for s in kept
                if therapy_types_in([s], codebook)
            )
            return ("unclear" if unclear else "yes"), ";".join(values), evidence
    for item in behavioural:
        if item.name is not None:
            return "yes", "other", [evidence_of(item.name)]
    return "no", str(type_spec.not_stated), []


def code_arm(arm: Arm, interventions: Sequence[Intervention], codebook: Codebook) -> ArmCoding:
    """Code one CT.gov arm group with the interventions linked to it.

    Parameters
    ----------
    arm
        The arm group (label, type, description, intervention names).
    interventions
        The record's interventions whose ``armGroupLabels`` name this arm.
    codebook
        The compiled codebook.
    """
    flags: list[str] = []
    names = [[t for t in (i.name, *i.other_names) if t] for i in interventions]
    names += [[t] for t in arm.intervention_names]
    label = [arm.label] if arm.label else []
    descriptions = [[i.description] for i in interventions if i.description]
    descriptions += [[arm.description]] if arm.description else []
    if not interventions and not arm.intervention_names:
        flags.append("no_interventions_linked")
    drug_tiers: list[list[list[Text]]] = [names, [label]]
    # Descriptions are read for the drug only when the names and the label name nothing and
    # the label names no comparator: a shared design sentence, or a placebo "matching drug A",
    # names a drug the arm does not receive.
    if not _names_a_comparator(label, codebook):
        drug_tiers.append(descriptions)
    drug, drug_evidence, tier = _drug_in(drug_tiers, codebook)
    if tier == 2:
        flags.append("drug_from_description")
    behavioural = [i for i in interventions if i.type in codebook.behavioral_types]
    therapy_tiers = [
        [i.name for i in interventions if i.name] + list(arm.intervention_names),
        [i.description for i in behavioural if i.description],
        label + ([arm.description] if arm.description else []),
    ]
    therapy, therapy_type, therapy_evidence = _therapy(therapy_tiers, behavioural, codebook)
    return ArmCoding(
        label=arm.label.text if arm.label else None,
        type=arm.type or None,
        drug=drug,
        psychotherapy=therapy,
        psychotherapy_type=therapy_type,
        evidence_drug=drug_evidence,
        evidence_psychotherapy=therapy_evidence,
        flags=flags,
    )


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _linked(arm: Arm, st: StudyText) -> list[Intervention]:
    """Interventions linked to ``arm``: their ``armGroupLabels`` name the arm, or the arm's
    ``interventionNames`` name them (``"Type: name"``); compared without case and spacing."""
    label = _key(arm.label.text) if arm.label else None
    names = {_key(t.text) for t in arm.intervention_names}
    linked = []
    for item in st.interventions:
        by_label = label is not None and label in {_key(x) for x in item.arm_labels}
        by_name = item.name is not None and (
            _key(f"{item.type}: {item.name.text}") in names or _key(item.name.text) in names
        )
        if by_label or by_name:
            linked.append(item)
    return linked


def code_study_arms(st: StudyText, codebook: Codebook) -> list[ArmCoding]:
    """Code every arm of a study (in ``armGroups`` order).

    When no arm's own words name a therapy but an intervention linked to no arm, the titles or
    the summaries say one is delivered, the arms cannot be told apart: each arm that is not
    ``yes`` becomes ``unclear`` with that evidence and the flag ``therapy_not_attributed``.
    """
    arms = [code_arm(arm, _linked(arm, st), codebook) for arm in st.arms]
    if arms and not any(a.psychotherapy == "yes" for a in arms):
        unlinked = [i.name for i in st.interventions if i.name and not i.arm_labels]
        kept = kept_sentences(
            unlinked + st.titles + st.summaries, codebook.therapy_ignore, codebook.any_therapy
        )
        found = therapy_types_in(kept, codebook)
        if found:
            values = sorted(found)
            for arm in arms:
                arm.psychotherapy = "unclear"
                arm.psychotherapy_type = ";".join(values)
                arm.evidence_psychotherapy = [found[v] for v in values]
                arm.flags.append("therapy_not_attributed")
    return arms


def code_arm_label(text: str, codebook: Codebook, path: str = "arm") -> ArmCoding:
    """Code a free-text arm label (e.g. "drug A + therapy B", "placebo infusion, usual care").

    The same rules as for a registry arm whose only text is its label: the drug of the review
    the text names (``not_stated`` when it names none: the text may omit a drug the study gives,
    so the caller keeps its own drug column and compares), and the therapy it names, ``unclear``
    when the words leave open whether the arm receives it.

    Parameters
    ----------
    text
        The arm's label or description.
    codebook
        The compiled codebook.
    path
        The name given to the text in the evidence (e.g. ``sheet.csv row 12 arm``).
    """
    piece = Text(path, text)
    arm = Arm(type="", label=piece, description=None, intervention_names=())
    coded = code_arm(arm, [], codebook)
    coded.flags = [f for f in coded.flags if f != "no_interventions_linked"]
    return coded
