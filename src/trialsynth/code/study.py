"""Coding one CT.gov v2 study: :func:`code_study` -> :class:`CodedStudy`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trialsynth.code.arms import ArmCoding, code_study_arms
from trialsynth.code.codebook import Codebook, clear_search_memo
from trialsynth.code.condition import code_condition
from trialsynth.code.design import code_design, explicit_comparator, final_comparator
from trialsynth.code.drug_route import FieldResult, clear_drug_memo, code_drug, code_route
from trialsynth.code.evidence import render_all
from trialsynth.code.fields import FIELDS
from trialsynth.code.texts import StudyText, clear_sentence_memo, study_text
from trialsynth.code.therapy import code_psychotherapy
from trialsynth.errors import InputError
from trialsynth.parse.nct_ids import study_nct_id


@dataclass
class CodedStudy:
    """The coding of one study.

    Attributes
    ----------
    nct_id
        The study's NCT ID.
    values
        ``{field: value}`` for every field of :data:`FIELDS` (multi-valued: ``;``-joined, sorted).
    evidence
        ``{field: 'path: "text" | ...'}`` (``None`` when a value rests on no text, e.g. ``none``).
    flags
        Sorted problems and inferences (``route_conflict``, ``no_arms``, ...).
    decided_by
        Fields set by a reviewer override (empty when the coder decided everything).
    arms
        The coding of every arm (:mod:`trialsynth.code.arms`), when asked for.
    """

    nct_id: str
    values: dict[str, str]
    evidence: dict[str, str | None]
    flags: list[str] = field(default_factory=list)
    decided_by: list[str] = field(default_factory=list)
    arms: list[ArmCoding] = field(default_factory=list)

    def row(self) -> dict[str, str | None]:
        """One row of coding.csv."""
        out: dict[str, str | None] = {"nct_id": self.nct_id}
        out.update(self.values)
        out.update({f"evidence_{f}": self.evidence.get(f) for f in FIELDS})
        out["flags"] = ";".join(sorted(set(self.flags))) or None
        out["decided_by"] = ";".join(sorted(set(self.decided_by))) or None
        return out


def _structure_flags(st: StudyText) -> list[str]:
    flags = []
    if not st.arms:
        flags.append("no_arms")
    if not st.interventions:
        flags.append("no_interventions")
    if st.problems:
        flags.append("malformed_fields")
    return flags


def code_study(study: dict[str, Any], codebook: Codebook, with_arms: bool = False) -> CodedStudy:
    """Code one study for drug, route, condition, psychotherapy, design and comparator.

    Parameters
    ----------
    study
        A CT.gov API v2 study object (``{"protocolSection": {...}, ...}``).
    codebook
        The compiled codebook (:func:`trialsynth.code.load_codebook`).
    with_arms
        Also code every arm (``CodedStudy.arms``).

    Returns
    -------
    CodedStudy
        Values, evidence per field and flags. Missing arms or interventions never raise: the
        affected fields fall back to ``UNKNOWN`` / ``other`` / ``none`` with a flag saying why.

    Raises
    ------
    InputError
        ``study`` is not an object or has no NCT ID.
    """
    if not isinstance(study, dict):
        raise InputError("study is not a JSON object", hint="pass one CT.gov v2 study object")
    nct_id = study_nct_id(study)
    if nct_id is None:
        raise InputError(
            "study has no protocolSection.identificationModule.nctId",
            hint="pass a CT.gov v2 study object",
        )
    # The literals found in each text and the search memo serve the many rules that test one
    # study's texts; emptied per study so memory stays bounded and repeated texts of other
    # studies are not free.
    clear_search_memo()
    clear_drug_memo()
    clear_sentence_memo()
    st = study_text(study, nct_id)
    psychotherapy, therapy_type = code_psychotherapy(st, codebook)
    comparator = explicit_comparator(st, codebook)
    design = code_design(st, codebook, comparator)
    comparator = final_comparator(comparator, design)
    drug = code_drug(st, codebook)
    results: dict[str, FieldResult] = {
        "drug": drug,
        "route": code_route(st, codebook, drug, comparator),
        "condition": code_condition(st, codebook),
        "psychotherapy": psychotherapy,
        "psychotherapy_type": therapy_type,
        "design": design,
        "comparator": comparator,
    }
    flags = _structure_flags(st) + [f for r in results.values() for f in r.flags]
    return CodedStudy(
        nct_id=nct_id,
        values={name: results[name].value for name in FIELDS},
        evidence={name: render_all(results[name].evidence) for name in FIELDS},
        flags=sorted(set(flags)),
        arms=code_study_arms(st, codebook) if with_arms else [],
    )
