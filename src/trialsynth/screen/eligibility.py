"""Eligibility rules: one decision per study, each exclusion with a reason code.

The topic lives in the protocol (``eligibility`` of ``analysis/protocol.yaml``); this module only
applies it. Two rule sets:

* **Registered trials** (a study whose NCT ID has a row in ``trials.csv``) are decided on the
  registry ``study_type`` and on the coding (``coding.csv``: ``design``, ``drug``,
  ``condition``). ClinicalTrials.gov registers studies in humans, so no species rule applies.
* **Publications without a retrieved registry record** are decided on their PubMed
  publication types, title, abstract and MeSH terms, matched against the protocol's patterns.

Each criterion has ``include`` and ``exclude`` values. A value in ``include`` passes, a value
only in ``exclude`` excludes the study with the criterion's reason code, and anything else
(a label the protocol does not name, a missing value, no coding row) sends the study to a
reviewer with decision ``review``: the rules never guess (PRISMA 2020 item 8: state how
decisions were made; Page et al., BMJ 2021;372:n71).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from trialsynth.screen.text_search import TextSearch

#: Reason codes for exclusions by the rules.
EXCLUDE_REASONS = {
    "study_type": "not_interventional",
    "design": "not_interventional",
    "drug": "drug_not_in_scope",
    "condition": "condition_out_of_scope",
    "publication_type": "publication_type",
    "non_human": "non_human",
}
#: Reason codes for studies the rules cannot decide.
#: coding.csv flag meaning the record names none of the review's drugs.
DRUG_NOT_NAMED_FLAG = "drug_not_named"

REVIEW_REASONS = {
    "study_type": "study_type_undetermined",
    "design": "design_undetermined",
    "drug": "drug_undetermined",
    "condition": "condition_undetermined",
    "coding": "coding_missing",
    "ambiguous": "ambiguous_trial_link",
    "publication_type": "publication_type_undetermined",
}


@dataclass(frozen=True)
class Decision:
    """The rules' decision on one study."""

    decision: str
    reason: str | None
    detail: str


INCLUDE = "include"
EXCLUDE = "exclude"
REVIEW = "review"


def _compile(patterns: list[str]) -> TextSearch | None:
    """One case-insensitive alternation of the protocol's patterns (validated by the caller),
    searched behind a literal prefilter (:mod:`trialsynth.screen.text_search`: the same
    matches)."""
    if not patterns:
        return None
    return TextSearch(re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))


@dataclass(frozen=True)
class PublicationRules:
    """The compiled ``eligibility.publications`` section."""

    trial_types: frozenset[str]
    excluded_types: frozenset[str]
    trial_terms: TextSearch | None
    drug_terms: TextSearch | None
    condition_terms: TextSearch | None
    out_of_scope_terms: TextSearch | None
    non_human_terms: TextSearch | None
    human_terms: TextSearch | None
    human_mesh: frozenset[str]

    @classmethod
    def from_protocol(cls, section: dict[str, Any]) -> PublicationRules:
        """Compile the section (patterns already checked by :func:`check_patterns`)."""
        types = section.get("publication_types", {})
        return cls(
            trial_types=frozenset(t.lower() for t in types.get("trial", [])),
            excluded_types=frozenset(t.lower() for t in types.get("exclude", [])),
            trial_terms=_compile(section.get("trial_terms", [])),
            drug_terms=_compile(section["drug_terms"]),
            condition_terms=_compile(section["condition_terms"]),
            out_of_scope_terms=_compile(section.get("out_of_scope_condition_terms", [])),
            non_human_terms=_compile(section.get("non_human_terms", [])),
            human_terms=_compile(section.get("human_terms", [])),
            human_mesh=frozenset(t.lower() for t in section.get("human_mesh", [])),
        )


def check_patterns(eligibility: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every invalid regular expression in ``eligibility.publications`` as (key, pattern, error)."""
    bad = []
    for key, value in eligibility.get("publications", {}).items():
        if not key.endswith("_terms"):
            continue
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                bad.append((f"eligibility.publications.{key}[{i}]", pattern, str(exc)))
    return bad


def _criterion(values: list[str], rule: dict[str, Any], name: str) -> Decision | None:
    """Apply one include/exclude criterion to the (possibly several) values of a study.

    Any included value passes (``None``); otherwise all values excluded -> exclude; otherwise
    (no value, or a value the protocol does not name) -> review.
    """
    include = set(rule.get("include", []))
    exclude = set(rule.get("exclude", []))
    shown = ";".join(values) if values else "(empty)"
    if any(v in include for v in values):
        return None
    if values and all(v in exclude for v in values):
        return Decision(EXCLUDE, EXCLUDE_REASONS[name], f"{name}: {shown}")
    return Decision(REVIEW, REVIEW_REASONS[name], f"{name}: {shown} is not named by the protocol")


def screen_registered(
    study_type: str | None, coding: dict[str, str | None] | None, registry: dict[str, Any]
) -> Decision:
    """Decide a registered trial from its ``study_type`` and its coding row.

    Parameters
    ----------
    study_type
        ``trials.csv`` ``study_type`` (``INTERVENTIONAL``, ...), or ``None``.
    coding
        The trial's ``coding.csv`` row (``design``, ``drug``, ``condition``), or ``None`` when the
        coding stage wrote no row for it.
    registry
        ``eligibility.registry`` of the protocol.
    """
    first = _criterion([study_type] if study_type else [], registry["study_type"], "study_type")
    if first is not None:
        return first
    if coding is None:
        return Decision(REVIEW, REVIEW_REASONS["coding"], "no row in coding.csv")
    flags = set((coding.get("flags") or "").split(";"))
    if DRUG_NOT_NAMED_FLAG in flags:
        # A record that names no drug of the review gets the codebook's not_stated drug value
        # and this flag; a reviewer decides whether it belongs, the coder cannot.
        return Decision(
            REVIEW,
            REVIEW_REASONS["drug"],
            "coding flag drug_not_named: no drug named in the record",
        )
    for name in ("design", "drug", "condition"):
        if name not in registry:
            continue
        cell = coding.get(name)
        values = [v.strip() for v in cell.split(";") if v.strip()] if cell else []
        outcome = _criterion(values, registry[name], name)
        if outcome is not None:
            return outcome
    return Decision(
        INCLUDE,
        None,
        "; ".join(f"{n}: {coding.get(n) or ''}" for n in ("design", "drug", "condition")),
    )


def _quote(match: re.Match[str] | None) -> str:
    return repr(match.group(0)) if match else ""


def screen_publication(
    publication_types: list[str], text: str, mesh_terms: list[str], rules: PublicationRules
) -> Decision:
    """Decide a study known only from its publications, on text the protocol names.

    Order: an excluded publication type (unless a trial type is also present; review when
    the text uses a trial term, e.g. a research letter reporting a trial), non-human
    (a non-human term with no human term and no human MeSH heading), no drug term,
    trial design (a trial publication type or a trial term, else review), condition (an
    in-scope term passes; only out-of-scope terms exclude; none is undecidable -> review).
    """
    trial_type = sorted(t for t in publication_types if t.lower() in rules.trial_types)
    excluded_type = sorted(t for t in publication_types if t.lower() in rules.excluded_types)
    if excluded_type and not trial_type:
        design = rules.trial_terms.search(text) if rules.trial_terms else None
        if design:
            return Decision(
                REVIEW,
                REVIEW_REASONS["publication_type"],
                f"publication type {';'.join(excluded_type)}, but text: {_quote(design)}",
            )
        return Decision(EXCLUDE, EXCLUDE_REASONS["publication_type"], ";".join(excluded_type))
    non_human = rules.non_human_terms.search(text) if rules.non_human_terms else None
    if non_human:
        human = rules.human_terms.search(text) if rules.human_terms else None
        human_mesh = {m.lower() for m in mesh_terms} & rules.human_mesh
        if not human and not human_mesh:
            return Decision(EXCLUDE, EXCLUDE_REASONS["non_human"], f"text: {_quote(non_human)}")
    drug = rules.drug_terms.search(text) if rules.drug_terms else None
    if not drug:
        return Decision(EXCLUDE, EXCLUDE_REASONS["drug"], "no drug term of the protocol")
    # the trial terms are searched only where they decide or are quoted (no trial type)
    design = None if trial_type or not rules.trial_terms else rules.trial_terms.search(text)
    if not trial_type and not design:
        return Decision(REVIEW, REVIEW_REASONS["design"], "no trial publication type or trial term")
    condition = rules.condition_terms.search(text) if rules.condition_terms else None
    if not condition:
        other = rules.out_of_scope_terms.search(text) if rules.out_of_scope_terms else None
        if other:
            return Decision(
                EXCLUDE, EXCLUDE_REASONS["condition"], f"text: {_quote(other)}, no in-scope term"
            )
        return Decision(REVIEW, REVIEW_REASONS["condition"], "no condition term of the protocol")
    evidence = ";".join(trial_type) if trial_type else f"text: {_quote(design)}"
    return Decision(
        INCLUDE,
        None,
        f"drug {_quote(drug)}; design {evidence}; condition {_quote(condition)}",
    )
