"""The text of one CT.gov v2 study that the coder reads, each piece with its field path.

Only what the record states is read: titles, conditions, keywords, arm groups, interventions
(name, other names, description), summaries and the inclusion part of the eligibility
criteria. A field of the wrong JSON type is left out and reported in ``problems`` so the
coder can flag the record instead of crashing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

#: Heading that starts the exclusion part of CT.gov eligibility criteria.
_EXCLUSION_HEADING = re.compile(r"^\s*exclusion criteria\b", re.IGNORECASE | re.MULTILINE)
#: Sentence ends: ., ! or ? followed by space and a capital/digit/bullet, or a line break.
#: The same matches as ``(?<=[.!?])\s+(?=[A-Z0-9*\-•(\"'])|\n+``, written to start with
#: ``\s`` so that ``re`` skips to the next white space instead of trying both branches at
#: every character (2.4 times quicker; ``tests/unit/code/test_texts.py`` compares the two).
_SENTENCE_END = re.compile(r"\s(?:(?<=[.!?]\s)\s*(?=[A-Z0-9*\-•(\"'])|(?<=\n)\n*)")


class Text(NamedTuple):
    """One piece of text and the v2 field path it came from (a named tuple: the per-study
    memos key on texts, and a tuple hashes in C where a frozen dataclass runs a Python
    ``__hash__`` each time)."""

    path: str
    text: str


@dataclass(frozen=True)
class Intervention:
    """One ``armsInterventionsModule.interventions[i]``."""

    type: str
    name: Text | None
    other_names: tuple[Text, ...]
    description: Text | None
    arm_labels: tuple[str, ...]

    @property
    def texts(self) -> tuple[Text, ...]:
        """Name, other names and description, in that order."""
        return _given(self.name) + self.other_names + _given(self.description)


@dataclass(frozen=True)
class Arm:
    """One ``armsInterventionsModule.armGroups[i]``."""

    type: str
    label: Text | None
    description: Text | None
    intervention_names: tuple[Text, ...]

    @property
    def texts(self) -> tuple[Text, ...]:
        """Label, description and intervention names, in that order."""
        return _given(self.label) + _given(self.description) + self.intervention_names


def _given(text: Text | None) -> tuple[Text, ...]:
    """``(text,)`` when the field is present, else an empty tuple."""
    return (text,) if text else ()


@dataclass
class StudyText:
    """Everything the coder reads from one study."""

    nct_id: str
    titles: list[Text] = field(default_factory=list)
    conditions: list[Text] = field(default_factory=list)
    keywords: list[Text] = field(default_factory=list)
    summaries: list[Text] = field(default_factory=list)
    inclusion: list[Text] = field(default_factory=list)
    result_groups: list[Text] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    study_type: str = ""
    allocation: str = ""
    intervention_model: str = ""
    problems: list[str] = field(default_factory=list)


#: :func:`sentences` results for the study being coded: the coder splits the same summary
#: for the condition, the therapy, the comparator and the arms (~2 times per text). Emptied
#: per study (:func:`clear_sentence_memo`, called by :func:`trialsynth.code.study.code_study`).
_SENTENCE_MEMO: dict[Text, tuple[Text, ...]] = {}
SENTENCE_MEMO_LIMIT = 10_000


def clear_sentence_memo() -> None:
    """Forget the remembered sentence splits (:data:`_SENTENCE_MEMO`)."""
    _SENTENCE_MEMO.clear()


def sentences(text: Text) -> list[Text]:
    """Split a text into sentences, each keeping the field path (remembered for the study
    being coded, :data:`_SENTENCE_MEMO`)."""
    split = _SENTENCE_MEMO.get(text)
    if split is None:
        pieces = (s.strip() for s in _SENTENCE_END.split(text.text))
        split = tuple(Text(text.path, s) for s in pieces if s)
        if len(_SENTENCE_MEMO) >= SENTENCE_MEMO_LIMIT:
            _SENTENCE_MEMO.clear()
        _SENTENCE_MEMO[text] = split
    return list(split)


class _Reader:
    def __init__(self, section: dict[str, Any], problems: list[str]) -> None:
        self.section = section
        self.problems = problems

    def module(self, name: str) -> dict[str, Any]:
        value = self.section.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problems.append(f"protocolSection.{name} is not an object")
            return {}
        return value

    def string(self, obj: dict[str, Any], key: str, path: str) -> Text | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.problems.append(f"{path} is not a string")
            return None
        return Text(path, value)

    def strings_of(self, obj: dict[str, Any], keys: tuple[str, ...], module: str) -> list[Text]:
        """The present, non-empty string fields ``keys`` of one module, in that order."""
        found = (self.string(obj, key, f"{module}.{key}") for key in keys)
        return [text for text in found if text]

    def _list(self, obj: dict[str, Any], key: str, path: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(f"{path} is not a list")
            return []
        return value

    def strings(self, obj: dict[str, Any], key: str, path: str) -> list[Text]:
        value = self._list(obj, key, path)
        return [Text(f"{path}[{i}]", v) for i, v in enumerate(value) if isinstance(v, str) and v]

    def objects(self, obj: dict[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
        value = self._list(obj, key, path)
        return [(f"{path}[{i}]", v) for i, v in enumerate(value) if isinstance(v, dict)]


def _upper(value: object) -> str:
    return value.upper() if isinstance(value, str) else ""


def study_text(study: dict[str, Any], nct_id: str) -> StudyText:
    """Collect the text of ``study`` (a CT.gov v2 study object) with field paths.

    Parameters
    ----------
    study
        One element of a ``/studies`` page or a single-study response.
    nct_id
        The study's NCT ID (already validated by the caller).
    """
    out = StudyText(nct_id=nct_id)
    section = study.get("protocolSection")
    if not isinstance(section, dict):
        out.problems.append("protocolSection missing or not an object")
        return out
    read = _Reader(section, out.problems)
    ident = read.module("identificationModule")
    out.titles += read.strings_of(ident, ("briefTitle", "officialTitle"), "identificationModule")
    cond = read.module("conditionsModule")
    out.conditions = read.strings(cond, "conditions", "conditionsModule.conditions")
    out.keywords = read.strings(cond, "keywords", "conditionsModule.keywords")
    desc = read.module("descriptionModule")
    out.summaries += read.strings_of(
        desc, ("briefSummary", "detailedDescription"), "descriptionModule"
    )
    elig = read.module("eligibilityModule")
    criteria = read.string(elig, "eligibilityCriteria", "eligibilityModule.eligibilityCriteria")
    if criteria:
        head = _EXCLUSION_HEADING.split(criteria.text, maxsplit=1)[0]
        if head.strip():
            out.inclusion.append(Text(criteria.path, head))
    design = read.module("designModule")
    out.study_type = _upper(design.get("studyType"))
    raw_info = design.get("designInfo")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    out.allocation = _upper(info.get("allocation"))
    out.intervention_model = _upper(info.get("interventionModel"))
    model_text = read.string(
        info, "interventionModelDescription", "designModule.designInfo.interventionModelDescription"
    )
    if model_text:
        out.summaries.append(model_text)
    arms_module = read.module("armsInterventionsModule")
    base = "armsInterventionsModule"
    for path, item in read.objects(arms_module, "interventions", f"{base}.interventions"):
        out.interventions.append(
            Intervention(
                type=_upper(item.get("type")),
                name=read.string(item, "name", f"{path}.name"),
                other_names=tuple(read.strings(item, "otherNames", f"{path}.otherNames")),
                description=read.string(item, "description", f"{path}.description"),
                arm_labels=tuple(t.text for t in read.strings(item, "armGroupLabels", path)),
            )
        )
    for path, item in read.objects(arms_module, "armGroups", f"{base}.armGroups"):
        out.arms.append(
            Arm(
                type=_upper(item.get("type")),
                label=read.string(item, "label", f"{path}.label"),
                description=read.string(item, "description", f"{path}.description"),
                intervention_names=tuple(
                    read.strings(item, "interventionNames", f"{path}.interventionNames")
                ),
            )
        )
    out.result_groups = _result_groups(study.get("resultsSection"))
    return out


_RESULT_MODULES = ("participantFlowModule", "baselineCharacteristicsModule")


def _result_groups(results: object) -> list[Text]:
    """Distinct group titles of posted results (the arms as analysed), with their paths."""
    if not isinstance(results, dict):
        return []
    found: dict[str, Text] = {}

    def add(groups: object, path: str) -> None:
        if not isinstance(groups, list):
            return
        for j, group in enumerate(groups):
            title = group.get("title") if isinstance(group, dict) else None
            if isinstance(title, str) and title and title not in found:
                found[title] = Text(f"{path}[{j}].title", title)

    for name in _RESULT_MODULES:
        module = results.get(name)
        if isinstance(module, dict):
            add(module.get("groups"), f"resultsSection.{name}.groups")
    outcomes = results.get("outcomeMeasuresModule")
    measures = outcomes.get("outcomeMeasures") if isinstance(outcomes, dict) else None
    if isinstance(measures, list):
        for i, measure in enumerate(measures):
            if isinstance(measure, dict):
                path = f"resultsSection.outcomeMeasuresModule.outcomeMeasures[{i}].groups"
                add(measure.get("groups"), path)
    return list(found.values())
