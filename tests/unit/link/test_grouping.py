"""Grouping records into studies: real records, BACKGROUND links, ties and duplicates."""

from __future__ import annotations

import pandas as pd
from study_builders import FIXTURES, article, frame, trial

from trialsynth.link.grouping import build_studies
from trialsynth.link.links import build_links
from trialsynth.tables import load_schema, read_table, validate_table


def _studies(trials: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    links = build_links(trials, articles)
    studies = build_studies(list(trials["nct_id"]), list(articles["pmid"]), links)
    validate_table(studies, load_schema("studies"))
    return studies.set_index("study_id")


def test_real_records_group_into_62_studies() -> None:
    trials = read_table(FIXTURES / "trials.csv", "trials")
    articles = read_table(FIXTURES / "articles.csv", "articles")
    studies = _studies(trials, articles)
    # 46 trials + 3 trials known only from publications + 13 publications on their own.
    assert len(studies) == 62
    assert int(studies["n_records"].sum()) == 46 + 23
    escape = studies.loc["NCT04338321"]
    assert (escape["pmids"], escape["n_records"]) == ("39819527;40953132;41084764", 4)
    assert studies.loc["NCT02493868", "pmids"] == "31166571"
    sustain2 = studies.loc["NCT02497287"]
    assert (sustain2["pmids"], sustain2["n_records"], sustain2["flags"]) == (
        "32316080",
        1,
        "registry_record_missing",
    )
    # The pooled ASPIRE I/II paper names two trials equally: not merged, flagged.
    aspire = studies.loc["PMID:34412104"]
    assert pd.isna(aspire["nct_ids"]) and aspire["flags"] == "ambiguous_trial_link"
    assert "NCT03039192" not in studies.index and "NCT03097133" not in studies.index
    assert studies.loc["PMID:23982301", "pmids"] == "23982301"
    assert int((studies["flags"] == "registry_record_missing").sum()) == 3


def test_background_reference_does_not_join() -> None:
    trials = frame("trials", [trial("NCT00000001", [("11", "BACKGROUND"), ("12", "RESULT")])])
    articles = frame("articles", [article("11"), article("12")])
    studies = _studies(trials, articles)
    assert list(studies.index) == ["NCT00000001", "PMID:11"]
    assert studies.loc["NCT00000001", "pmids"] == "12"
    assert studies.loc["NCT00000001", "n_records"] == 2


def test_publication_joins_strongest_trial_and_two_trials_never_merge() -> None:
    trials = frame(
        "trials",
        [trial("NCT00000001", [("21", "RESULT")]), trial("NCT00000002")],
    )
    # 21 is the registry's RESULT of trial 1 and lists trial 2 in DataBankList (weaker).
    articles = frame("articles", [article("21", databank_nct_ids="NCT00000002")])
    studies = _studies(trials, articles)
    assert list(studies.index) == ["NCT00000001", "NCT00000002"]
    assert studies.loc["NCT00000001", "pmids"] == "21"
    assert studies.loc["NCT00000001", "flags"] == "names_other_trials"
    assert pd.isna(studies.loc["NCT00000002", "pmids"])


def test_tie_between_trials_keeps_publication_apart() -> None:
    trials = frame("trials", [trial("NCT00000001"), trial("NCT00000002")])
    articles = frame("articles", [article("31", text_nct_ids="NCT00000001;NCT00000002")])
    studies = _studies(trials, articles)
    assert list(studies.index) == ["NCT00000001", "NCT00000002", "PMID:31"]
    assert studies.loc["PMID:31", "flags"] == "ambiguous_trial_link"


def test_duplicate_rows_are_merged_and_counted() -> None:
    trials = frame("trials", [trial("NCT00000001"), trial("NCT00000001")])
    articles = frame(
        "articles",
        [
            article("41", databank_nct_ids="NCT00000001"),
            article("41", databank_nct_ids="NCT00000001"),
            article("41", databank_nct_ids="NCT00000001"),
            article("42"),
            article("42"),
        ],
    )
    studies = _studies(trials, articles)
    assert studies.loc["NCT00000001", ["n_records", "merged_duplicates"]].tolist() == [2, 3]
    assert studies.loc["PMID:42", ["n_records", "merged_duplicates"]].tolist() == [1, 1]
