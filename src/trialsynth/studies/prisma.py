"""The counts of a PRISMA 2020 flow diagram.

Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline for
reporting systematic reviews. BMJ 2021;372:n71 (Figure 1, "new systematic reviews which
included searches of databases and registers only"). Records are rows of ``trials.csv``
(register) and ``articles.csv`` (database); screening decides one study (a trial with its
reports) at a time, so exclusions are counted per study, with the records they hold.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from trialsynth.errors import InputError


def _by_reason(screening: pd.DataFrame, decision: str) -> dict[str, int]:
    chosen = screening.loc[screening["decision"] == decision, "reason"]
    counts = Counter("unspecified" if pd.isna(r) else str(r) for r in chosen)
    return dict(sorted(counts.items()))


def prisma_counts(
    n_trial_rows: int, n_article_rows: int, studies: pd.DataFrame, screening: pd.DataFrame
) -> dict[str, Any]:
    """PRISMA 2020 counts from the studies and their screening decisions.

    Parameters
    ----------
    n_trial_rows, n_article_rows
        Records identified: rows of ``trials.csv`` and ``articles.csv``, duplicates included.
    studies
        ``studies.csv`` (``study_id, n_records, merged_duplicates``).
    screening
        ``screening.csv`` (``study_id, decision, reason, decided_by``).

    Returns
    -------
    dict
        ``identified`` (per source), ``duplicates_removed``, ``records_screened``,
        ``studies_screened``, ``excluded``, ``excluded_records``, ``excluded_by_reason``,
        ``awaiting_review``, ``awaiting_review_by_reason``, ``studies_included``,
        ``reports_of_included_studies``, ``decided_by_reviewer``.
    """
    records = dict(zip(studies["study_id"], studies["n_records"].astype(int), strict=True))
    duplicates = int(studies["merged_duplicates"].astype(int).sum())
    screened = int(sum(records.values()))
    if n_trial_rows + n_article_rows - duplicates != screened:
        raise InputError(
            f"{n_trial_rows + n_article_rows} records identified minus {duplicates} duplicates "
            f"is not the {screened} records held by the studies",
            record="studies.csv",
            hint="re-run `trialsynth link` on the same trials.csv and articles.csv",
        )
    missing = set(records) ^ set(screening["study_id"])
    if missing:
        raise InputError(
            f"studies and screening decisions differ: {sorted(missing)[:5]}",
            hint="screen the studies.csv written by the same `trialsynth link` run",
        )
    decision_of = dict(zip(screening["study_id"], screening["decision"], strict=True))
    included = [s for s, d in decision_of.items() if d == "include"]
    excluded = [s for s, d in decision_of.items() if d == "exclude"]
    review = [s for s, d in decision_of.items() if d == "review"]
    return {
        "identified": {"ctgov": n_trial_rows, "pubmed": n_article_rows},
        "duplicates_removed": duplicates,
        "records_screened": screened,
        "studies_screened": len(records),
        "excluded": len(excluded),
        "excluded_records": sum(records[s] for s in excluded),
        "excluded_by_reason": _by_reason(screening, "exclude"),
        "awaiting_review": len(review),
        "awaiting_review_by_reason": _by_reason(screening, "review"),
        "studies_included": len(included),
        "reports_of_included_studies": sum(records[s] for s in included),
        "decided_by_reviewer": int((screening["decided_by"] == "reviewer").sum()),
    }
