"""Arm-level outcome rows from CT.gov posted results (``resultsSection.outcomeMeasuresModule``).

One row per group of each outcome measure (and per class, when a measure posts several time
points as classes, e.g. "Day 2" ... "Day 28"). Every row keeps the NCT ID, the outcome measure
title, the group title, the posted value and denominator, and any derivation. Measures whose
title matches a protocol outcome but that cannot be used (wrong parameter type, no
denominator, a percentage that its derived count does not reproduce) are kept with
``usable = false`` and the reason, so nothing disappears silently.

Reference: ClinicalTrials.gov API v2 data structure, ``OutcomeMeasure`` (``paramType``,
``dispersionType``, ``unitOfMeasure``, ``timeFrame``, ``groups``, ``denoms``, ``classes``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from trialsynth.outcomes.derive import events_from_percent, sd_from_se
from trialsynth.outcomes.rows import new_row
from trialsynth.outcomes.rules import OutcomeDefinition, OutcomeRules
from trialsynth.outcomes.timeframes import parse_time_frame
from trialsynth.parse.ctgov_pages import iter_ctgov_studies, newest_values
from trialsynth.parse.nct_ids import study_nct_id
from trialsynth.parse.posted_results import read_posted_results

log = logging.getLogger(__name__)


def load_ctgov_studies(raw_dir: str | os.PathLike[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(page file name, study)`` for every study of the raw CT.gov snapshot.

    Delegates to the parse stage's reader (:func:`trialsynth.parse.ctgov_pages.
    iter_ctgov_studies`), so this stage sees exactly the studies of ``trials.csv``: invalid
    NCT IDs skipped and logged, the newest version of a duplicated NCT ID kept.

    Raises
    ------
    InputError
        When the folder has no page files or a page is not a ``{"studies": [...]}`` object.
    """
    for path, study in iter_ctgov_studies(Path(raw_dir)):
        yield path.name, study


def _norm(value: Any) -> str:
    return str(value or "").strip().upper().replace(" ", "_").replace("-", "_")


def _counts(denoms: list[dict[str, Any]] | None) -> dict[str, str]:
    for denom in denoms or []:
        if str(denom.get("units", "")).lower() in {"participants", ""}:
            return {c["groupId"]: str(c["value"]) for c in denom.get("counts", [])}
    return {}


#: Counts :func:`extract_ctgov_outcomes` returns.
COUNT_KEYS = (
    "studies",
    "studies_with_results",
    "measures",
    "measures_matched",
    "measures_ambiguous",
)


def extract_ctgov_outcomes(
    studies: Iterable[tuple[str, dict[str, Any]]], rules: OutcomeRules
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Arm-level rows of every posted outcome measure that matches a protocol outcome.

    Returns
    -------
    rows
        Outcome rows (see :data:`trialsynth.outcomes.rows.OUTCOME_COLUMNS`).
    counts
        ``studies``, ``studies_with_results``, ``measures``, ``measures_matched``,
        ``measures_ambiguous`` (title matching several outcomes, skipped and logged).
    """
    titles: dict[str, list[str]] = {}
    return _combine(study_outcomes(file_name, study, rules, titles) for file_name, study in studies)


def read_ctgov_outcomes(
    source: str | os.PathLike[str], rules: OutcomeRules
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """:func:`extract_ctgov_outcomes` of a snapshot's studies.

    Parameters
    ----------
    source
        The posted-results file ``trialsynth parse ctgov --posted-results`` wrote (a
        ``.jsonl`` file: read as it is, :mod:`trialsynth.parse.posted_results`), or the raw
        snapshot folder (each page decoded once, :func:`trialsynth.parse.ctgov_pages.
        newest_values`). Both give the studies of :func:`load_ctgov_studies` in the same
        order, so the same rows and counts.
    """
    path = Path(source)
    if path.suffix == ".jsonl":
        return extract_ctgov_outcomes(read_posted_results(path), rules)
    titles: dict[str, list[str]] = {}
    kept = newest_values(path, lambda raw: study_outcomes(raw.path.name, raw.study, rules, titles))
    return _combine(value for _, value in kept)


class StudyOutcomes(NamedTuple):
    """The rows of one study's posted results, the counts they add and what to warn about."""

    rows: list[dict[str, Any]]
    counts: dict[str, int]
    warnings: list[str]


def _combine(per_study: Iterable[StudyOutcomes]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rows: list[dict[str, Any]] = []
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for item in per_study:
        rows.extend(item.rows)
        for key, value in item.counts.items():
            counts[key] += value
        for warning in item.warnings:
            log.warning("%s", warning)
    return rows, counts


def study_outcomes(
    file_name: str,
    study: dict[str, Any],
    rules: OutcomeRules,
    titles: dict[str, list[str]] | None = None,
) -> StudyOutcomes:
    """The outcome rows of one study's posted results (see :func:`extract_ctgov_outcomes`).

    ``titles`` keeps the arm-level outcomes each measure title matched, for the next study
    posting the same title (registries repeat titles across trials; the match depends on the
    title and the protocol only).
    """
    rows: list[dict[str, Any]] = []
    counts = dict.fromkeys(COUNT_KEYS, 0)
    warnings: list[str] = []
    counts["studies"] = 1
    nct = study_nct_id(study) or ""
    acronym = study.get("protocolSection", {}).get("identificationModule", {}).get("acronym")
    measures = (
        study.get("resultsSection", {}).get("outcomeMeasuresModule", {}).get("outcomeMeasures")
    ) or []
    if measures:
        counts["studies_with_results"] = 1
    for index, measure in enumerate(measures, start=1):
        counts["measures"] += 1
        title = str(measure.get("title", ""))
        # Registry results are read per arm: outcomes tabulated as medians or as
        # precomputed effects (hazard ratios) come from curated sheets only.
        matched = None if titles is None else titles.get(title)
        if matched is None:
            matched = [name for name in rules.classify(title) if rules.definitions[name].arm_level]
            if titles is not None:
                titles[title] = matched
        if not matched:
            continue
        if len(matched) > 1:
            counts["measures_ambiguous"] += 1
            warnings.append(f"{nct} measure {title!r} matches several outcomes {matched}; skipped")
            continue
        counts["measures_matched"] += 1
        definition = rules.definitions[matched[0]]
        rows.extend(_measure_rows(nct, acronym, file_name, index, measure, definition, rules))
    return StudyOutcomes(rows, counts, warnings)


def _measure_rows(
    nct: str,
    acronym: str | None,
    file_name: str,
    index: int,
    measure: dict[str, Any],
    definition: OutcomeDefinition,
    rules: OutcomeRules,
) -> list[dict[str, Any]]:
    title = str(measure.get("title", ""))
    param = _norm(measure.get("paramType"))
    unit = str(measure.get("unitOfMeasure", ""))
    dispersion = _norm(measure.get("dispersionType"))
    groups = {g["id"]: g for g in measure.get("groups", [])}
    measure_denoms = _counts(measure.get("denoms"))
    classes = measure.get("classes") or [{}]
    # Per measure and per group, not per posted value: a measure posts one value per group
    # and class, and these depend on the title and the group only.
    data_version = rules.data_version(title)
    roles = {
        group_id: rules.arm_role(group.get("title"), group.get("description"))
        for group_id, group in groups.items()
    }
    rows = []
    for class_index, klass in enumerate(classes, start=1):
        class_title = str(klass.get("title", "") or "")
        class_frame = parse_time_frame(class_title, rules.unit_days) if class_title else None
        frame_text = (
            class_title if class_frame and class_frame.points else str(measure.get("timeFrame", ""))
        )
        frame = parse_time_frame(frame_text, rules.unit_days)
        days = frame.point(rules.range_point)
        denoms = _counts(klass.get("denoms")) or measure_denoms
        categories = klass.get("categories") or []
        for category in categories:
            for measurement in category.get("measurements", []):
                group_id = measurement.get("groupId", "")
                group = groups.get(group_id, {})
                row = new_row(
                    record_id=f"{nct}:measure {index}:class {class_index}:{group_id}",
                    study_id=nct,
                    nct_id=nct,
                    study_label=f"{acronym} ({nct})" if acronym else nct,
                    source_kind="ctgov_results",
                    source=(
                        f"CT.gov {nct} outcome measure {title!r}, "
                        f"group {group.get('title', '')!r}"
                        + (f", class {class_title!r}" if class_title else "")
                    ),
                    source_file=file_name,
                    outcome=definition.name,
                    data_version=data_version,
                    measure_title=title,
                    measure_key=f"{nct}:measure {index}:class {class_index}",
                    timepoint_text=frame_text,
                    timepoint_days=days,
                    group=str(group.get("title", "")),
                    arm_role=roles.get(group_id),  # an unknown group places nothing
                    param_type=param,
                    unit=unit,
                    posted_value=str(measurement.get("value", "")),
                    posted_spread=str(measurement.get("spread", "") or ""),
                    dispersion=dispersion,
                )
                if len(categories) > 1:
                    titles = [str(c.get("title", "")) for c in categories]
                    row["group"] = f"{row['group']} [category {category.get('title', '')!r}]"
                    row["issue"] = (
                        f"several categories posted per group {titles}; which one is the event "
                        "is not read automatically (transcribe the arm into a curated sheet)"
                    )
                else:
                    _fill_numbers(row, denoms.get(group_id), definition, rules)
                rows.append(row)
    return rows


def _fill_numbers(
    row: dict[str, Any],
    denominator: str | None,
    definition: OutcomeDefinition,
    rules: OutcomeRules,
) -> None:
    """Set ``arm_n``, ``events``/``percent`` or ``mean``/``sd`` and ``usable``/``issue``."""
    if definition.param_types and row["param_type"] not in definition.param_types:
        row["issue"] = (
            f"param type {row['param_type']} is not one of {sorted(definition.param_types)} "
            f"for outcome {definition.name}"
        )
        return
    try:
        n = int(str(denominator))
        value = float(row["posted_value"])
    except (TypeError, ValueError):
        row["issue"] = (
            f"no usable value/denominator (value {row['posted_value']!r}, N {denominator!r})"
        )
        return
    row["arm_n"] = n
    if definition.kind == "binary":
        if row["param_type"] == "COUNT_OF_PARTICIPANTS" or not rules.percent_units.search(
            row["unit"]
        ):
            row["events"] = int(value)
            row["usable"] = value == int(value) and 0 <= value <= n
            if not row["usable"]:
                row["issue"] = f"posted count {row['posted_value']} is not within 0..{n}"
            return
        row["percent"] = value
        derived = events_from_percent(row["posted_value"], n)
        row["events"] = derived.events
        row["derivation"] = derived.note
        row["usable"] = derived.ok
        if not derived.ok:
            row["issue"] = "derived count does not reproduce the posted percentage"
        return
    spread = row["posted_spread"]
    try:
        spread_value = float(spread)
    except ValueError:
        row["issue"] = f"no dispersion posted (spread {spread!r})"
        return
    if definition.dispersion_types and row["dispersion"] not in definition.dispersion_types:
        row["issue"] = f"dispersion type {row['dispersion']} is not accepted"
        return
    row["mean"] = value
    if row["dispersion"] == "STANDARD_ERROR":
        row["sd"] = sd_from_se(spread_value, n)
        row["derivation"] = f"SD = SE {spread} x sqrt({n}) = {row['sd']:.4f}"
    else:
        row["sd"] = spread_value
    row["usable"] = True
