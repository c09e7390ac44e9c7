"""PRISMA 2020 counts on a small hand-checked set of records."""

from __future__ import annotations

import pandas as pd
import pytest
from study_builders import ELIGIBILITY, article, frame, trial

from trialsynth.errors import InputError
from trialsynth.link.grouping import build_studies
from trialsynth.link.links import build_links
from trialsynth.parse.ctgov_pages import DUPLICATE_REASON as CTGOV_DUPLICATE
from trialsynth.parse.pubmed import DUPLICATE_REASON as PUBMED_DUPLICATE
from trialsynth.screen.decisions import apply_overrides, rules_decisions
from trialsynth.screen.overrides import read_overrides
from trialsynth.screen.prisma import prisma_counts

# 4 trial rows (one duplicated) and 6 article rows (one duplicated):
#   NCT01: TRD RCT + its RESULT paper 101 (and 101 listed twice)   -> include, 2 records
#   NCT02: coded drug "none"                                         -> exclude drug_not_in_scope
#   NCT03: OBSERVATIONAL (row twice)                                 -> exclude not_interventional
#   102: review article                                              -> exclude publication_type
#   103: randomized ketamine trial in depression, no registry entry  -> include
#   104: ketamine case report without a type or trial term           -> review design_undetermined
TRIALS = frame(
    "trials",
    [
        trial("NCT00000001", [("101", "RESULT")]),
        trial("NCT00000002"),
        trial("NCT00000003", study_type="OBSERVATIONAL"),
        trial("NCT00000003", study_type="OBSERVATIONAL"),
    ],
)
ARTICLES = frame(
    "articles",
    [
        article("101", title="Ketamine in TRD", publication_types="Randomized Controlled Trial"),
        article("101", title="Ketamine in TRD", publication_types="Randomized Controlled Trial"),
        article("102", title="Ketamine for depression", publication_types="Review"),
        article("103", title="A randomized trial of ketamine in depression"),
        article("104", title="Ketamine in depression: one patient"),
    ],
)


def _coding() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "nct_id": ["NCT00000001", "NCT00000002", "NCT00000003"],
            "drug": ["ketamine", "none", "ketamine"],
            "condition": ["TRD", "TRD", "TRD"],
            "design": ["RCT", "RCT", "observational"],
        }
    )


def _screen(overrides_csv: str, tmp_path):
    links = build_links(TRIALS, ARTICLES)
    studies = build_studies(list(TRIALS["nct_id"]), list(ARTICLES["pmid"]), links)
    path = tmp_path / "overrides.csv"
    path.write_text("study_id,decision,reason,note\n" + overrides_csv, encoding="utf-8")
    overrides = read_overrides(path, set(studies["study_id"]))
    decisions = rules_decisions(studies, TRIALS, ARTICLES, _coding(), ELIGIBILITY)
    return studies, apply_overrides(decisions, overrides)


def test_counts_by_rules(tmp_path) -> None:
    studies, screening = _screen("", tmp_path)
    assert dict(zip(screening["study_id"], screening["decision"], strict=True)) == {
        "NCT00000001": "include",
        "NCT00000002": "exclude",
        "NCT00000003": "exclude",
        "PMID:102": "exclude",
        "PMID:103": "include",
        "PMID:104": "review",
    }
    counts = prisma_counts(len(TRIALS), len(ARTICLES), studies, screening)
    assert counts == {
        "identified": {"ctgov": 4, "pubmed": 5},
        "duplicates_removed": 2,
        "removed_other_reasons": 0,
        "removed_other_by_reason": {},
        "records_screened": 7,
        "studies_screened": 6,
        "excluded": 3,
        "excluded_records": 3,
        "excluded_by_reason": {
            "drug_not_in_scope": 1,
            "not_interventional": 1,
            "publication_type": 1,
        },
        "awaiting_review": 1,
        "awaiting_review_by_reason": {"design_undetermined": 1},
        "studies_included": 2,
        "reports_of_included_studies": 3,
        "decided_by_reviewer": 0,
    }


def test_counts_follow_the_reviewer(tmp_path) -> None:
    studies, screening = _screen(
        "PMID:104,exclude,case_report,single patient (AB)\nNCT00000002,include,,x\n", tmp_path
    )
    counts = prisma_counts(len(TRIALS), len(ARTICLES), studies, screening)
    assert counts["excluded_by_reason"] == {
        "case_report": 1,
        "not_interventional": 1,
        "publication_type": 1,
    }
    assert (counts["awaiting_review"], counts["studies_included"]) == (0, 3)
    assert (counts["reports_of_included_studies"], counts["decided_by_reviewer"]) == (4, 2)


def test_studies_from_other_records_are_refused(tmp_path) -> None:
    studies, screening = _screen("", tmp_path)
    with pytest.raises(InputError, match="re-run `trialsynth link`"):
        prisma_counts(len(TRIALS) + 1, len(ARTICLES), studies, screening)


def test_parse_skips_count_as_identified_and_removed(tmp_path) -> None:
    studies, screening = _screen("", tmp_path)
    trials_skipped = pd.DataFrame(
        {
            "source_file": ["page-0001.json", "page-0002.json"],
            "record": ["NCT00000001", "study 7"],
            "reason": [CTGOV_DUPLICATE, "no NCT ID"],
        }
    )
    articles_skipped = pd.DataFrame(
        {"source_file": ["efetch-0001.xml"], "record": ["101"], "reason": [PUBMED_DUPLICATE]}
    )
    counts = prisma_counts(
        len(TRIALS),
        len(ARTICLES),
        studies,
        screening,
        trials_skipped=trials_skipped,
        articles_skipped=articles_skipped,
    )
    assert counts["identified"] == {"ctgov": 6, "pubmed": 6}
    assert (counts["duplicates_removed"], counts["removed_other_reasons"]) == (4, 1)
    assert counts["removed_other_by_reason"] == {"no NCT ID": 1}
    assert counts["records_screened"] == 7


def test_studies_table_without_flags_column_is_screened(tmp_path) -> None:
    links = build_links(TRIALS, ARTICLES)
    studies = build_studies(list(TRIALS["nct_id"]), list(ARTICLES["pmid"]), links)
    decisions = rules_decisions(
        studies.drop(columns="flags"), TRIALS, ARTICLES, _coding(), ELIGIBILITY
    )
    assert decisions["NCT00000002"].reason == "drug_not_in_scope"
    assert len(decisions) == 6
