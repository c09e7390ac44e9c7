"""Studies: one registered trial with the publications that report it.

A *record* is one row of ``trials.csv`` (an NCT ID) or ``articles.csv`` (a PMID). A *study*
groups the records that report the same trial (PRISMA 2020 distinguishes reports from studies;
Page et al., BMJ 2021;372:n71, items 16a-b).

How records are grouped (the choices are deliberate and documented here):

1. **Duplicates.** Rows with the same NCT ID (or the same PMID) are one record seen twice (e.g.
   overlapping snapshots); they are merged and counted in ``merged_duplicates``.
2. **Which links join records.** Every link in ``links.csv`` is kept as evidence, but a registry
   reference of type ``BACKGROUND`` cites *other* work (ClinicalTrials.gov: "a citation that
   is not about the results of this study") and never joins a publication to a trial.
   ``RESULT`` and ``DERIVED`` references, PubMed ``DataBankList`` entries and NCT IDs written in
   a title or abstract do.
3. **A publication naming several trials.** Two trials are never merged. A publication joins
   the trial whose link is strongest (registry ``RESULT`` 3 > ``DERIVED`` = ``DataBankList`` 2 >
   text mention or a reference of unspecified type 1). When two or more trials tie for the
   strongest link (a pooled report of two trials, say), the publication stays a study of its
   own, flagged ``ambiguous_trial_link`` for a reviewer; screening marks it ``review``.
4. **Records without a registry entry** (a publication linked to no NCT ID) are studies of
   their own, ``study_id`` ``PMID:<pmid>``.

Because each publication joins at most one trial, every study holds at most one NCT ID, and
its ``study_id`` is that NCT ID, even when the registry record itself was not retrieved (flag
``registry_record_missing``): the publication says which trial it reports.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd

STUDY_COLUMNS = ["study_id", "nct_ids", "pmids", "n_records", "merged_duplicates", "flags"]

#: Strength of one piece of evidence that a publication reports a trial.
_REFERENCE_STRENGTH = {"RESULT": 3, "DERIVED": 2}
_DATABANK_STRENGTH = 2
_WEAK_STRENGTH = 1

FLAG_AMBIGUOUS = "ambiguous_trial_link"
FLAG_REGISTRY_MISSING = "registry_record_missing"
FLAG_OTHER_TRIALS = "names_other_trials"

log = logging.getLogger(__name__)


def link_strength(evidence: str, detail: str) -> int:
    """Strength of one link; 0 means the link does not join records (``BACKGROUND``)."""
    if evidence == "ctgov_reference":
        if detail == "BACKGROUND":
            return 0
        return _REFERENCE_STRENGTH.get(detail, _WEAK_STRENGTH)
    if evidence == "pubmed_databank":
        return _DATABANK_STRENGTH
    return _WEAK_STRENGTH


@dataclass
class _Study:
    nct_id: str | None
    pmids: set[str] = field(default_factory=set)
    n_records: int = 0
    merged_duplicates: int = 0
    flags: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Assignment:
    """Where each publication went: the trial it joined, or why it stayed alone."""

    trial_of: dict[str, str]
    ambiguous: dict[str, list[str]]
    other_trials: dict[str, list[str]]


def assign_publications(links: pd.DataFrame) -> Assignment:
    """Join each PMID to the NCT ID with the uniquely strongest joining link.

    Returns the PMID -> NCT ID assignment, the PMIDs whose strongest link ties between
    trials (PMID -> candidate NCT IDs) and, for assigned PMIDs, the weaker trials they also
    name.
    """
    best: dict[str, dict[str, int]] = defaultdict(dict)
    for nct_id, pmid, evidence, detail in zip(
        links["nct_id"], links["pmid"], links["evidence"], links["detail"], strict=True
    ):
        strength = link_strength(str(evidence), str(detail))
        if strength == 0:
            continue
        per_trial = best[str(pmid)]
        per_trial[str(nct_id)] = max(per_trial.get(str(nct_id), 0), strength)
    trial_of: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    other_trials: dict[str, list[str]] = {}
    for pmid, per_trial in best.items():
        top = max(per_trial.values())
        leaders = sorted(n for n, s in per_trial.items() if s == top)
        if len(leaders) > 1:
            ambiguous[pmid] = leaders
            continue
        trial_of[pmid] = leaders[0]
        others = sorted(n for n in per_trial if n != leaders[0])
        if others:
            other_trials[pmid] = others
    return Assignment(trial_of, ambiguous, other_trials)


def build_studies(
    trial_ids: list[str], article_ids: list[str], links: pd.DataFrame
) -> pd.DataFrame:
    """Group records into studies.

    Parameters
    ----------
    trial_ids
        ``nct_id`` of every row of ``trials.csv``, duplicates included.
    article_ids
        ``pmid`` of every row of ``articles.csv``, duplicates included.
    links
        The ``links.csv`` table from :func:`trialsynth.link.links.build_links`.

    Returns
    -------
    pandas.DataFrame
        The ``studies`` contract: ``study_id, nct_ids, pmids, n_records, merged_duplicates,
        flags``, sorted by ``study_id``. ``pmids`` lists every publication joined to the trial,
        retrieved or not; ``n_records`` counts retrieved records only (distinct rows of the two
        tables), ``merged_duplicates`` the extra rows of the same ID that were merged.
    """
    trial_counts = Counter(trial_ids)
    article_counts = Counter(article_ids)
    assignment = assign_publications(links)
    studies: dict[str, _Study] = {}

    def trial_study(nct_id: str) -> _Study:
        if nct_id not in studies:
            studies[nct_id] = _Study(nct_id=nct_id)
        return studies[nct_id]

    for nct_id, count in trial_counts.items():
        study = trial_study(nct_id)
        study.n_records += 1
        study.merged_duplicates += count - 1
    for pmid, nct_id in assignment.trial_of.items():
        study = trial_study(nct_id)
        study.pmids.add(pmid)
        if pmid in article_counts:
            study.n_records += 1
            study.merged_duplicates += article_counts[pmid] - 1
        if pmid in assignment.other_trials:
            study.flags.add(FLAG_OTHER_TRIALS)
    for pmid, count in article_counts.items():
        if pmid in assignment.trial_of:
            continue
        study = _Study(nct_id=None, pmids={pmid}, n_records=1, merged_duplicates=count - 1)
        if pmid in assignment.ambiguous:
            study.flags.add(FLAG_AMBIGUOUS)
        studies[f"PMID:{pmid}"] = study
    for nct_id, study in studies.items():
        if study.nct_id is not None and nct_id not in trial_counts:
            study.flags.add(FLAG_REGISTRY_MISSING)
    for pmid, candidates in sorted(assignment.ambiguous.items()):
        log.info("PMID %s links equally strongly to %s", pmid, ", ".join(candidates))
    if assignment.ambiguous:
        log.warning(
            "%d publication(s) link equally strongly to several trials; each kept as its own "
            "study, flagged %s for review",
            len(assignment.ambiguous),
            FLAG_AMBIGUOUS,
        )
    rows = [
        {
            "study_id": study_id,
            "nct_ids": study.nct_id,
            "pmids": ";".join(sorted(study.pmids, key=int)) or None,
            "n_records": study.n_records,
            "merged_duplicates": study.merged_duplicates,
            "flags": ";".join(sorted(study.flags)) or None,
        }
        for study_id, study in sorted(studies.items())
    ]
    df = pd.DataFrame(rows, columns=STUDY_COLUMNS)
    for col in ("study_id", "nct_ids", "pmids", "flags"):
        df[col] = df[col].astype("string")
    for col in ("n_records", "merged_duplicates"):
        df[col] = df[col].astype("Int64")
    return df
