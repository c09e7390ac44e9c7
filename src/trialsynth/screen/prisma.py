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
from trialsynth.parse.ctgov_pages import DUPLICATE_REASON as CTGOV_DUPLICATE
from trialsynth.parse.pubmed import DUPLICATE_REASON as PUBMED_DUPLICATE

#: Reasons of the parse stage's skipped-records tables that mean "a duplicate was removed".
PARSE_DUPLICATE_REASONS = frozenset({CTGOV_DUPLICATE, PUBMED_DUPLICATE})


def _by_reason(screening: pd.DataFrame, decision: str) -> dict[str, int]:
    chosen = screening.loc[screening["decision"] == decision, "reason"]
    counts = Counter("unspecified" if pd.isna(r) else str(r) for r in chosen)
    return dict(sorted(counts.items()))


def _parse_skips(skipped: pd.DataFrame | None) -> tuple[int, int, Counter[str]]:
    """(all skipped, duplicates, other reasons counted) of one parse skipped-records table."""
    if skipped is None or skipped.empty:
        return 0, 0, Counter()
    reasons = [str(r) for r in skipped["reason"]]
    duplicates = sum(r in PARSE_DUPLICATE_REASONS for r in reasons)
    return len(reasons), duplicates, Counter(r for r in reasons if r not in PARSE_DUPLICATE_REASONS)


def prisma_counts(
    n_trial_rows: int,
    n_article_rows: int,
    studies: pd.DataFrame,
    screening: pd.DataFrame,
    *,
    trials_skipped: pd.DataFrame | None = None,
    articles_skipped: pd.DataFrame | None = None,
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
    trials_skipped, articles_skipped
        The records the parse stage left out (``--skipped`` of ``trialsynth parse``; columns
        ``source_file, record, reason``), if known: they were identified too, superseded
        duplicates count as duplicates removed and the rest as removed for other reasons.

    Returns
    -------
    dict
        ``identified`` (per source), ``duplicates_removed``, ``removed_other_reasons``,
        ``removed_other_by_reason``, ``records_screened``,
        ``studies_screened``, ``excluded``, ``excluded_records``, ``excluded_by_reason``,
        ``awaiting_review``, ``awaiting_review_by_reason``, ``studies_included``,
        ``reports_of_included_studies``, ``decided_by_reviewer``.
    """
    records = dict(zip(studies["study_id"], studies["n_records"].astype(int), strict=True))
    trial_skips, trial_dups, trial_other = _parse_skips(trials_skipped)
    article_skips, article_dups, article_other = _parse_skips(articles_skipped)
    identified = {"ctgov": n_trial_rows + trial_skips, "pubmed": n_article_rows + article_skips}
    duplicates = int(studies["merged_duplicates"].astype(int).sum()) + trial_dups + article_dups
    other = trial_other + article_other
    removed_other = sum(other.values())
    screened = int(sum(records.values()))
    if sum(identified.values()) - duplicates - removed_other != screened:
        raise InputError(
            f"{sum(identified.values())} records identified minus {duplicates} duplicates and "
            f"{removed_other} removed is not the {screened} records held by the studies",
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
        "identified": identified,
        "duplicates_removed": duplicates,
        "removed_other_reasons": removed_other,
        "removed_other_by_reason": dict(sorted(other.items())),
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
