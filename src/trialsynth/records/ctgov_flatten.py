"""Flattening one CT.gov API v2 study object into one row of ``trials.csv``.

Field paths follow the ClinicalTrials.gov API v2 data model (``ctg-oas-v2.yaml``, schema
``Study``: ``protocolSection.<module>``). A study missing a whole module (the transcribed
records often lack arms, sponsor or outcomes) gives empty cells, never a guess.
"""

from __future__ import annotations

from typing import Any

from trialsynth.records.cells import join_sorted, json_cell

#: Columns of ``trials.csv`` in contract order (docs/architecture.md).
TRIAL_COLUMNS: tuple[str, ...] = (
    "nct_id",
    "acronym",
    "brief_title",
    "official_title",
    "overall_status",
    "study_type",
    "phases",
    "allocation",
    "intervention_model",
    "masking",
    "enrollment",
    "enrollment_type",
    "conditions",
    "keywords",
    "interventions",
    "arm_groups",
    "primary_outcomes",
    "secondary_outcomes",
    "brief_summary",
    "detailed_description",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "first_post_date",
    "last_update_post_date",
    "has_results",
    "lead_sponsor",
    "references",
    "pmids",
    "source_file",
)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    """A non-empty string, else ``None``."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _strings(value: object) -> list[str]:
    return [s for s in (_text(v) for v in _list(value)) if s is not None]


def _date(module: dict[str, Any], struct: str) -> str | None:
    return _text(_dict(module.get(struct)).get("date"))


def _enrollment(design: dict[str, Any]) -> int | None:
    count = _dict(design.get("enrollmentInfo")).get("count")
    if isinstance(count, bool):
        return None
    if isinstance(count, int):
        return count
    if isinstance(count, float) and count.is_integer():
        return int(count)
    if isinstance(count, str) and count.strip().isdigit():
        return int(count.strip())
    return None


def _interventions(arms: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "type": _text(item.get("type")),
            "name": _text(item.get("name")),
            "other_names": _strings(item.get("otherNames")),
            "description": _text(item.get("description")),
            "arm_group_labels": _strings(item.get("armGroupLabels")),
        }
        for item in map(_dict, _list(arms.get("interventions")))
    ]


def _arm_groups(arms: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "label": _text(item.get("label")),
            "type": _text(item.get("type")),
            "description": _text(item.get("description")),
            "intervention_names": _strings(item.get("interventionNames")),
        }
        for item in map(_dict, _list(arms.get("armGroups")))
    ]


def _outcomes(outcomes: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [
        {
            "measure": _text(item.get("measure")),
            "time_frame": _text(item.get("timeFrame")),
            "description": _text(item.get("description")),
        }
        for item in map(_dict, _list(outcomes.get(key)))
    ]


def _references(refs: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "pmid": _text(item.get("pmid")),
            "type": _text(item.get("type")),
            "citation": _text(item.get("citation")),
        }
        for item in map(_dict, _list(refs.get("references")))
    ]


def _valid_pmids(references: list[dict[str, Any]]) -> list[str]:
    """PMIDs of the references that are digit strings; others stay only in ``references``."""
    pmids = [ref["pmid"].strip() for ref in references if ref["pmid"]]
    return [pmid for pmid in pmids if pmid.isdigit()]


def _has_results(study: dict[str, Any]) -> bool | None:
    value = study.get("hasResults")
    return value if isinstance(value, bool) else None


def flatten_study(study: dict[str, Any], source_file: str) -> dict[str, Any]:
    """One ``trials.csv`` row (keys :data:`TRIAL_COLUMNS`) from a CT.gov API v2 study object.

    Parameters
    ----------
    study
        The study object as received (``protocolSection``, ``hasResults``, ...).
    source_file
        Name of the raw page it came from.

    Returns
    -------
    dict
        Scalars as strings (``enrollment`` an int, ``has_results`` a bool), ``None`` when
        absent; list cells ``;``-joined and sorted; structured cells JSON arrays.

    Notes
    -----
    PMIDs are the ``pmid`` values of ``referencesModule.references`` (all reference types:
    RESULT, BACKGROUND, DERIVED); the type of each is kept in ``references``.
    """
    protocol = _dict(study.get("protocolSection"))
    ident = _dict(protocol.get("identificationModule"))
    status = _dict(protocol.get("statusModule"))
    design = _dict(protocol.get("designModule"))
    design_info = _dict(design.get("designInfo"))
    conditions = _dict(protocol.get("conditionsModule"))
    arms = _dict(protocol.get("armsInterventionsModule"))
    outcomes = _dict(protocol.get("outcomesModule"))
    description = _dict(protocol.get("descriptionModule"))
    sponsors = _dict(protocol.get("sponsorCollaboratorsModule"))
    references = _references(_dict(protocol.get("referencesModule")))
    return {
        "nct_id": ident.get("nctId"),
        "acronym": _text(ident.get("acronym")),
        "brief_title": _text(ident.get("briefTitle")),
        "official_title": _text(ident.get("officialTitle")),
        "overall_status": _text(status.get("overallStatus")),
        "study_type": _text(design.get("studyType")),
        "phases": join_sorted(_strings(design.get("phases"))),
        "allocation": _text(design_info.get("allocation")),
        "intervention_model": _text(design_info.get("interventionModel")),
        "masking": _text(_dict(design_info.get("maskingInfo")).get("masking")),
        "enrollment": _enrollment(design),
        "enrollment_type": _text(_dict(design.get("enrollmentInfo")).get("type")),
        "conditions": join_sorted(_strings(conditions.get("conditions"))),
        "keywords": join_sorted(_strings(conditions.get("keywords"))),
        "interventions": json_cell(_interventions(arms)),
        "arm_groups": json_cell(_arm_groups(arms)),
        "primary_outcomes": json_cell(_outcomes(outcomes, "primaryOutcomes")),
        "secondary_outcomes": json_cell(_outcomes(outcomes, "secondaryOutcomes")),
        "brief_summary": _text(description.get("briefSummary")),
        "detailed_description": _text(description.get("detailedDescription")),
        "start_date": _date(status, "startDateStruct"),
        "primary_completion_date": _date(status, "primaryCompletionDateStruct"),
        "completion_date": _date(status, "completionDateStruct"),
        "first_post_date": _date(status, "studyFirstPostDateStruct"),
        "last_update_post_date": _date(status, "lastUpdatePostDateStruct"),
        "has_results": _has_results(study),
        "lead_sponsor": _text(_dict(sponsors.get("leadSponsor")).get("name")),
        "references": json_cell(references),
        "pmids": join_sorted(_valid_pmids(references), numeric=True),
        "source_file": source_file,
    }
