"""Screening: apply the protocol's eligibility rules to every study, then the reviewer's word.

One row per study in ``screening.csv``: ``study_id, decision (include|exclude|review), reason,
detail, decided_by (rules|reviewer)``. A reviewer decision replaces the rules' decision and the
``detail`` shows both, so a reader sees what was overridden.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from trialsynth.link.grouping import FLAG_AMBIGUOUS
from trialsynth.link.links import split_cell
from trialsynth.screen.eligibility import (
    EXCLUDE,
    REVIEW,
    REVIEW_REASONS,
    Decision,
    PublicationRules,
    screen_publication,
    screen_registered,
)
from trialsynth.tables import frame_records

SCREENING_COLUMNS = ["study_id", "decision", "reason", "detail", "decided_by"]

log = logging.getLogger(__name__)


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _first_rows(
    df: pd.DataFrame, key: str, columns: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Rows keyed by ``key``; of duplicate rows the first is used (they were counted at link).

    With ``columns``, only those (that exist) are kept: screening reads a few of the 700,000
    cells of trials.csv and articles.csv (:func:`trialsynth.tables.frame_records` builds the
    rows column by column).
    """
    names = [key] + [c for c in columns or df.columns if c != key and c in df.columns]
    return {
        str(row[key]): row for row in frame_records(df[names].drop_duplicates(key, keep="first"))
    }


#: The columns of trials.csv and articles.csv that screening reads.
TRIAL_COLUMNS = ("study_type",)
ARTICLE_COLUMNS = (
    "publication_types",
    "mesh_terms",
    "title",
    "abstract",
    "databank_nct_ids",
    "text_nct_ids",
)
#: The columns of coding.csv that :func:`~trialsynth.screen.eligibility.screen_registered` reads.
CODING_FIELDS = ("flags", "design", "drug", "condition")


def _publication_decision(
    pmids: Iterable[str], articles: dict[str, dict[str, Any]], rules: PublicationRules
) -> Decision:
    """Screen the retrieved publications of a study together (types, text and MeSH pooled)."""
    found = [articles[p] for p in pmids if p in articles]
    if not found:
        return Decision(REVIEW, "no_record_text", "no retrieved publication or registry record")
    types = sorted({t for a in found for t in split_cell(a.get("publication_types"))})
    mesh = sorted({t for a in found for t in split_cell(a.get("mesh_terms"))})
    text = "\n".join(
        _text(a.get(col)) for a in found for col in ("title", "abstract", "mesh_terms")
    )
    return screen_publication(types, text, mesh, rules)


def _candidate_trials(pmids: Iterable[str], articles: dict[str, dict[str, Any]]) -> list[str]:
    """NCT IDs an ambiguous publication names (DataBankList and text)."""
    names: set[str] = set()
    for pmid in pmids:
        row = articles.get(pmid, {})
        names.update(split_cell(row.get("databank_nct_ids")))
        names.update(split_cell(row.get("text_nct_ids")))
    return sorted(names)


def rules_decisions(
    studies: pd.DataFrame,
    trials: pd.DataFrame,
    articles: pd.DataFrame,
    coding: pd.DataFrame,
    eligibility: dict[str, Any],
) -> dict[str, Decision]:
    """The rules' decision for every study (no reviewer decisions applied).

    Registered trials (NCT ID present in ``trials``) use ``eligibility.registry`` with the
    coding row; other studies use ``eligibility.publications`` on their retrieved
    publications. A publication that ties between trials is excluded if the text rules
    exclude it, otherwise marked for review (``ambiguous_trial_link``).
    """
    trial_rows = _first_rows(trials, "nct_id", TRIAL_COLUMNS)
    article_rows = _first_rows(articles, "pmid", ARTICLE_COLUMNS)
    coding_rows = _first_rows(coding, "nct_id", CODING_FIELDS)
    rules = PublicationRules.from_protocol(eligibility["publications"])
    registry = eligibility["registry"]
    decisions: dict[str, Decision] = {}
    # lists, not Series: iterating a string Series costs a pandas call per cell (same values)
    flag_cells = studies["flags"].tolist() if "flags" in studies.columns else [None] * len(studies)
    for study_id, nct_ids, pmids, flags in zip(
        studies["study_id"].tolist(),
        studies["nct_ids"].tolist(),
        studies["pmids"].tolist(),
        flag_cells,
        strict=True,
    ):
        nct = next(iter(split_cell(nct_ids)), None)
        if nct is not None and nct in trial_rows:
            coded = coding_rows.get(nct)
            coding_cells = (
                None if coded is None else {k: _text(coded.get(k)) or None for k in coded}
            )
            study_type = _text(trial_rows[nct].get("study_type")) or None
            decision = screen_registered(study_type, coding_cells, registry)
        else:
            decision = _publication_decision(split_cell(pmids), article_rows, rules)
        if FLAG_AMBIGUOUS in split_cell(flags) and decision.decision != EXCLUDE:
            names = ", ".join(_candidate_trials(split_cell(pmids), article_rows))
            decision = Decision(
                REVIEW,
                REVIEW_REASONS["ambiguous"],
                f"the publication links equally strongly to {names}; assign or decide it",
            )
        decisions[str(study_id)] = decision
    return decisions


def apply_overrides(decisions: dict[str, Decision], overrides: pd.DataFrame) -> pd.DataFrame:
    """Merge reviewer decisions over the rules' decisions into the ``screening`` table."""
    by_study = {r["study_id"]: r for r in overrides.to_dict("records")}
    rows = []
    for study_id in sorted(decisions):
        rule = decisions[study_id]
        override = by_study.get(study_id)
        if override is None:
            rows.append(
                {
                    "study_id": study_id,
                    "decision": rule.decision,
                    "reason": rule.reason,
                    "detail": rule.detail or None,
                    "decided_by": "rules",
                }
            )
            continue
        said = f"rules: {rule.decision}" + (f" ({rule.reason})" if rule.reason else "")
        note = override["note"] or "no note"
        if override["decision"] != rule.decision:
            log.info("%s: reviewer %s over %s", study_id, override["decision"], said)
        rows.append(
            {
                "study_id": study_id,
                "decision": override["decision"],
                "reason": override["reason"] or None,
                "detail": f"reviewer: {note}; {said}: {rule.detail}",
                "decided_by": "reviewer",
            }
        )
    return pd.DataFrame(rows, columns=SCREENING_COLUMNS, dtype="string")
