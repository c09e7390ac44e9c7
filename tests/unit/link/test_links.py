"""Links between NCT IDs and PMIDs: real shipped records and each kind of evidence."""

from __future__ import annotations

import pandas as pd
import pytest
from study_builders import FIXTURES, article, frame, trial

from trialsynth.errors import InputError
from trialsynth.link.links import build_links, reference_links
from trialsynth.tables import load_schema, read_table, validate_table


def _edges(df: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return set(df[["nct_id", "pmid", "evidence", "detail"]].itertuples(index=False, name=None))


def test_real_records_links_by_evidence() -> None:
    trials = read_table(FIXTURES / "trials.csv", "trials")
    articles = read_table(FIXTURES / "articles.csv", "articles")
    links = build_links(trials, articles)
    validate_table(links, load_schema("links"))
    databank = {
        ("NCT01920555", "30283029"),
        ("NCT02417064", "31290965"),  # TRANSFORM-2
        ("NCT02493868", "31166571"),  # SUSTAIN-1
        ("NCT02497287", "32316080"),  # SUSTAIN-2
        ("NCT02655692", "35046508"),
        ("NCT02918318", "34696742"),
        ("NCT03039192", "34412104"),  # ASPIRE I and II pooled: one paper, two trials
        ("NCT03097133", "34412104"),
        ("NCT04338321", "39819527"),  # ESCAPE-TRD and two secondary reports
        ("NCT04338321", "40953132"),
        ("NCT04338321", "41084764"),
        ("NCT04889664", "40215385"),
    }
    expected = {(n, p, "pubmed_databank", "DataBankList") for n, p in databank}
    # Every abstract that lists a trial in DataBankList also writes it, except 30283029.
    expected |= {(n, p, "text_mention", "abstract") for n, p in databank if p != "30283029"}
    assert _edges(links) == expected
    assert len(links) == 23
    # The shipped registry records carry no referencesModule: no registry edges.
    assert not (links["evidence"] == "ctgov_reference").any()


def test_registry_references_keep_their_type() -> None:
    trials = frame(
        "trials",
        [trial("NCT00000001", [("111", "RESULT"), ("222", "BACKGROUND"), ("333", "derived")])],
    )
    links = build_links(trials, frame("articles", []))
    assert _edges(links) == {
        ("NCT00000001", "111", "ctgov_reference", "RESULT"),
        ("NCT00000001", "222", "ctgov_reference", "BACKGROUND"),
        ("NCT00000001", "333", "ctgov_reference", "DERIVED"),
    }


def test_same_pmid_cited_twice_keeps_strongest_type() -> None:
    trials = frame("trials", [trial("NCT00000001", [("111", "BACKGROUND"), ("111", "RESULT")])])
    links = build_links(trials, frame("articles", []))
    assert _edges(links) == {("NCT00000001", "111", "ctgov_reference", "RESULT")}


def test_reference_without_or_with_malformed_pmid_is_skipped(caplog) -> None:
    refs = '[{"citation": "no pmid"}, {"pmid": "12a", "type": "RESULT"}, {"pmid": "5"}]'
    trials = frame("trials", [trial("NCT00000001", references=refs)])
    edges = reference_links(trials)
    assert edges == [
        {
            "nct_id": "NCT00000001",
            "pmid": "5",
            "evidence": "ctgov_reference",
            "detail": "UNSPECIFIED",
        }
    ]
    assert "not numeric" in caplog.text


@pytest.mark.parametrize("cell", ["{not json", '{"pmid": "1"}'])
def test_bad_references_cell_names_file_and_trial(cell: str) -> None:
    trials = frame("trials", [trial("NCT00000009", references=cell)])
    with pytest.raises(InputError) as err:
        build_links(trials, frame("articles", []), trials_path="trials.csv")
    text = str(err.value)
    assert "trials.csv" in text and "NCT00000009" in text and "trialsynth parse ctgov" in text


def test_text_mention_names_the_field() -> None:
    articles = frame(
        "articles",
        [
            article("1", title="Trial NCT 0241-7064 report", text_nct_ids="NCT02417064"),
            article("2", title="A trial", abstract="NCT02493868", text_nct_ids="NCT02493868"),
        ],
    )
    links = build_links(frame("trials", []), articles)
    assert _edges(links) == {
        ("NCT02417064", "1", "text_mention", "title"),
        ("NCT02493868", "2", "text_mention", "abstract"),
    }
