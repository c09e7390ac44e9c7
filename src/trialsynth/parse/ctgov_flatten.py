"""Flattening one CT.gov API v2 study object into one row of ``trials.csv``.

Field paths follow the ClinicalTrials.gov API v2 data model (``ctg-oas-v2.yaml``, schema
``Study``: ``protocolSection.<module>``). A study missing a whole module (the transcribed
records often lack arms, sponsor or outcomes) gives empty cells, never a guess.
"""

from __future__ import annotations

import logging
from typing import Any

from trialsynth.errors import InputError
from trialsynth.parse.cells import join_sorted, json_cell
from trialsynth.parse.nct_ids import study_nct_id

log = logging.getLogger(__name__)

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


class _Fields:
    """Typed access to a study's fields; a field of the wrong JSON type is an InputError.

    Absent fields are empty (``{}``, ``[]``, ``None``); a present field of another type means
    the file is not an API v2 response as received, which is reported rather than guessed
    around.
    """

    def __init__(self, study: dict[str, Any], path: object, nct_id: object) -> None:
        self.study = study
        self.path = path
        self.nct_id = nct_id

    def _wrong(self, where: str, expected: str, value: object) -> InputError:
        return InputError(
            f"field {where} is a JSON {_json_type(value)}, expected {expected}",
            path=self.path,
            record=f"study {self.nct_id}",
            hint="the page is not a CT.gov API v2 response as received; re-fetch it",
        )

    def obj(self, parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._wrong(f"{where}.{key}", "an object", value)
        return value

    def objects(self, parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(f"{where}.{key}", "an array of objects", value)
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise self._wrong(f"{where}.{key}[{index}]", "an object", item)
        return value

    def text(self, parent: dict[str, Any], key: str, where: str) -> str | None:
        return self._as_text(parent.get(key), f"{where}.{key}")

    def _as_text(self, value: object, where: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value if value.strip() else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise self._wrong(where, "a string", value)

    def strings(self, parent: dict[str, Any], key: str, where: str) -> list[str]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(f"{where}.{key}", "an array of strings", value)
        texts = (self._as_text(v, f"{where}.{key}[{i}]") for i, v in enumerate(value))
        return [t for t in texts if t is not None]

    def date(self, module: dict[str, Any], struct: str, where: str) -> str | None:
        return self.text(self.obj(module, struct, where), "date", f"{where}.{struct}")

    def enrollment(self, design: dict[str, Any]) -> int | None:
        where = "designModule.enrollmentInfo"
        count = self.obj(design, "enrollmentInfo", "designModule").get("count")
        if count is None:
            return None
        if isinstance(count, int) and not isinstance(count, bool):
            return count
        if isinstance(count, float) and count.is_integer():
            return int(count)
        if isinstance(count, str) and count.strip().isdigit():
            return int(count.strip())
        raise self._wrong(f"{where}.count", "a whole number", count)


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


#: Each flattened list of objects: output key -> (JSON key, "text" | "strings"), in output order.
_INTERVENTION_FIELDS = {
    "type": ("type", "text"),
    "name": ("name", "text"),
    "other_names": ("otherNames", "strings"),
    "description": ("description", "text"),
    "arm_group_labels": ("armGroupLabels", "strings"),
}
_ARM_GROUP_FIELDS = {
    "label": ("label", "text"),
    "type": ("type", "text"),
    "description": ("description", "text"),
    "intervention_names": ("interventionNames", "strings"),
}
_OUTCOME_FIELDS = {
    "measure": ("measure", "text"),
    "time_frame": ("timeFrame", "text"),
    "description": ("description", "text"),
}
_REFERENCE_FIELDS = {
    "pmid": ("pmid", "text"),
    "type": ("type", "text"),
    "citation": ("citation", "text"),
}


def _object_list(
    f: _Fields,
    container: dict[str, Any],
    module: str,
    key: str,
    fields: dict[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    """Flatten ``container[key]`` (a list of objects in ``module``) to dicts of ``fields``.

    A wrong JSON type is reported with the element's path, e.g.
    ``outcomesModule.primaryOutcomes[2]``.
    """
    out = []
    for i, item in enumerate(f.objects(container, key, module)):
        at = f"{module}.{key}[{i}]"
        out.append(
            {
                name: (f.strings if kind == "strings" else f.text)(item, json_key, at)
                for name, (json_key, kind) in fields.items()
            }
        )
    return out


def _valid_pmids(f: _Fields, references: list[dict[str, Any]]) -> list[str]:
    """PMIDs of the references that are digit strings; others stay only in ``references``
    and are logged."""
    pmids = [ref["pmid"].strip() for ref in references if ref["pmid"]]
    for bad in (pmid for pmid in pmids if not pmid.isdigit()):
        log.warning(
            "%s: study %s: reference PMID %r is not numeric, left out of pmids",
            f.path,
            f.nct_id,
            bad,
        )
    return [pmid for pmid in pmids if pmid.isdigit()]


def _has_results(f: _Fields) -> bool | None:
    value = f.study.get("hasResults")
    if value is None or isinstance(value, bool):
        return value
    raise f._wrong("hasResults", "true or false", value)


def flatten_study(
    study: dict[str, Any], source_file: str, path: object | None = None
) -> dict[str, Any]:
    """One ``trials.csv`` row (keys :data:`TRIAL_COLUMNS`) from a CT.gov API v2 study object.

    Parameters
    ----------
    study
        The study object as received (``protocolSection``, ``hasResults``, ...).
    source_file
        Name of the raw page it came from (the ``source_file`` cell).
    path
        Full path of that page, named in errors (default ``source_file``).

    Returns
    -------
    dict
        Scalars as strings (``enrollment`` an int, ``has_results`` a bool), ``None`` when
        absent; list cells ``;``-joined and sorted; structured cells JSON arrays.

    Raises
    ------
    InputError
        A field present with the wrong JSON type (e.g. ``phases`` a string), naming the file,
        the NCT ID and the field path.

    Notes
    -----
    PMIDs are the ``pmid`` values of ``referencesModule.references`` (all reference types:
    RESULT, BACKGROUND, DERIVED); the type of each is kept in ``references``.
    """
    f = _Fields(study, path if path is not None else source_file, study_nct_id(study))
    protocol = f.obj(study, "protocolSection", "study")
    modules = {
        name: f.obj(protocol, name, "protocolSection")
        for name in (
            "identificationModule",
            "statusModule",
            "designModule",
            "conditionsModule",
            "armsInterventionsModule",
            "outcomesModule",
            "descriptionModule",
            "sponsorCollaboratorsModule",
            "referencesModule",
        )
    }
    ident = modules["identificationModule"]
    status = modules["statusModule"]
    design = modules["designModule"]
    design_info = f.obj(design, "designInfo", "designModule")
    info = "designModule.designInfo"
    conditions = modules["conditionsModule"]
    arms = modules["armsInterventionsModule"]
    outcomes = modules["outcomesModule"]
    description = modules["descriptionModule"]
    sponsors = modules["sponsorCollaboratorsModule"]
    references = _object_list(
        f, modules["referencesModule"], "referencesModule", "references", _REFERENCE_FIELDS
    )
    return {
        "nct_id": f.text(ident, "nctId", "identificationModule"),
        "acronym": f.text(ident, "acronym", "identificationModule"),
        "brief_title": f.text(ident, "briefTitle", "identificationModule"),
        "official_title": f.text(ident, "officialTitle", "identificationModule"),
        "overall_status": f.text(status, "overallStatus", "statusModule"),
        "study_type": f.text(design, "studyType", "designModule"),
        "phases": join_sorted(f.strings(design, "phases", "designModule")),
        "allocation": f.text(design_info, "allocation", info),
        "intervention_model": f.text(design_info, "interventionModel", info),
        "masking": f.text(f.obj(design_info, "maskingInfo", info), "masking", info),
        "enrollment": f.enrollment(design),
        "enrollment_type": f.text(
            f.obj(design, "enrollmentInfo", "designModule"), "type", "designModule"
        ),
        "conditions": join_sorted(f.strings(conditions, "conditions", "conditionsModule")),
        "keywords": join_sorted(f.strings(conditions, "keywords", "conditionsModule")),
        "interventions": json_cell(
            _object_list(f, arms, "armsInterventionsModule", "interventions", _INTERVENTION_FIELDS)
        ),
        "arm_groups": json_cell(
            _object_list(f, arms, "armsInterventionsModule", "armGroups", _ARM_GROUP_FIELDS)
        ),
        "primary_outcomes": json_cell(
            _object_list(f, outcomes, "outcomesModule", "primaryOutcomes", _OUTCOME_FIELDS)
        ),
        "secondary_outcomes": json_cell(
            _object_list(f, outcomes, "outcomesModule", "secondaryOutcomes", _OUTCOME_FIELDS)
        ),
        "brief_summary": f.text(description, "briefSummary", "descriptionModule"),
        "detailed_description": f.text(description, "detailedDescription", "descriptionModule"),
        "start_date": f.date(status, "startDateStruct", "statusModule"),
        "primary_completion_date": f.date(status, "primaryCompletionDateStruct", "statusModule"),
        "completion_date": f.date(status, "completionDateStruct", "statusModule"),
        "first_post_date": f.date(status, "studyFirstPostDateStruct", "statusModule"),
        "last_update_post_date": f.date(status, "lastUpdatePostDateStruct", "statusModule"),
        "has_results": _has_results(f),
        "lead_sponsor": f.text(
            f.obj(sponsors, "leadSponsor", "sponsorCollaboratorsModule"),
            "name",
            "sponsorCollaboratorsModule.leadSponsor",
        ),
        "references": json_cell(references),
        "pmids": join_sorted(_valid_pmids(f, references), numeric=True),
        "source_file": source_file,
    }
