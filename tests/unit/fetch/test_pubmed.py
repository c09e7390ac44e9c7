"""PubMed client against the loopback server: history + batches, date splitting, POST of
missing IDs, faults, and the API key never written anywhere."""

from __future__ import annotations

import io
import itertools
import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from Bio import Entrez
from loopback_fetch import fixture_articles

from trialsynth.cli import main
from trialsynth.errors import FetchError, InputError
from trialsynth.fetch.http import HttpClient
from trialsynth.fetch.pubmed import (
    PubmedQuery,
    article_pmids,
    fetch_pubmed_snapshot,
    parse_esearch,
    search_slices,
)

TERM = "ketamine[tiab] AND trial[tiab]"


def received_pmids(folder: Path) -> list[str]:
    pmids: list[str] = []
    for path in sorted(folder.glob("efetch-*.xml")):
        pmids.extend(article_pmids(path.read_bytes()))
    return pmids


def test_history_batches_bring_every_article_once(registry, client, tmp_path):
    registry.articles = fixture_articles()
    registry.faults["esearch"] = ["503"]
    registry.faults["efetch"] = ["truncate", "429", "ok", "drop", "slow", "ok", "badbody"]
    out = tmp_path / "pubmed"
    manifest = fetch_pubmed_snapshot(out, PubmedQuery(term=TERM, batch_size=3), client)

    assert len(received_pmids(out)) == 8
    assert sorted(received_pmids(out)) == sorted(registry.articles)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "efetch-0001.xml",
        "efetch-0002.xml",
        "efetch-0003.xml",
        "esearch-0001.xml",
        "manifest.json",
    ]
    efetches = [s for s in registry.seen if s.path == "/efetch.fcgi" and s.method == "GET"]
    assert {(s.params["retstart"], s.params["retmax"]) for s in efetches} == {
        ("0", "3"),
        ("3", "3"),
        ("6", "3"),
    }
    for seen in efetches:
        assert seen.params["WebEnv"] == "MCID_loopback" and seen.params["query_key"] == "1"
        assert seen.params["retmode"] == "xml" and seen.params["tool"] == "trialsynth"
    search = next(s for s in registry.seen if s.path == "/esearch.fcgi").params
    assert search["usehistory"] == "y" and search["term"] == TERM
    assert manifest["counts"] == {"expected": 8, "received": 8, "duplicates_ignored": 0}
    assert not any(s.method == "POST" for s in registry.seen)
    # the esearch reply as written parses offline with Bio.Entrez.read
    record = Entrez.read(io.BytesIO((out / "esearch-0001.xml").read_bytes()))
    assert sorted(record["IdList"]) == sorted(registry.articles)


def test_missing_history_records_are_posted_by_id(registry, client, tmp_path):
    registry.articles = fixture_articles()
    dropped = sorted(registry.articles)[:2]
    registry.history_omits = set(dropped)
    out = tmp_path / "pubmed"
    fetch_pubmed_snapshot(out, PubmedQuery(term=TERM, batch_size=5), client)
    posts = [s for s in registry.seen if s.method == "POST"]
    assert len(posts) == 1
    assert posts[0].path == "/efetch.fcgi" and posts[0].params["id"] == ",".join(dropped)
    assert all(s.method == "GET" for s in registry.seen if "id" not in s.params)
    assert sorted(received_pmids(out)) == sorted(registry.articles)
    assert len(received_pmids(out)) == 8


def test_records_that_never_arrive_fail_and_keep_the_old_snapshot(registry, client, tmp_path):
    registry.articles = fixture_articles()
    registry.ids_for_range = lambda lo, hi: sorted([*registry.articles, "99999999"])
    out = tmp_path / "pubmed"
    out.mkdir()
    (out / "efetch-0001.xml").write_text("old snapshot")
    with pytest.raises(FetchError, match="1 PMIDs of the search never arrived"):
        fetch_pubmed_snapshot(out, PubmedQuery(term=TERM, batch_size=5), client)
    assert [p.name for p in out.iterdir()] == ["efetch-0001.xml"]
    assert (out / "efetch-0001.xml").read_text() == "old snapshot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pubmed"]


def test_small_slice_limit_splits_by_date_and_fetches_everything(registry, client, tmp_path):
    registry.articles = fixture_articles()
    query = PubmedQuery(
        term=TERM,
        batch_size=2,
        slice_limit=4,  # four of the eight articles are dated 2025
        first_date=date(2000, 1, 1),
        last_date=date(2030, 12, 31),
    )
    out = tmp_path / "pubmed"
    manifest = fetch_pubmed_snapshot(out, query, client)
    slices = manifest["query"]["date_slices"]
    assert all(s["count"] <= 4 for s in slices) and sum(s["count"] for s in slices) == 8
    assert len(list(out.glob("esearch-*.xml"))) == len(slices) >= 2
    assert len(received_pmids(out)) == 8
    assert sorted(received_pmids(out)) == sorted(registry.articles)
    dated = [s.params for s in registry.seen if s.path == "/esearch.fcgi" and "mindate" in s.params]
    assert dated and all(p["datetype"] == "pdat" for p in dated)


def test_more_than_10000_hits_are_bisected_by_publication_date(registry, client):
    """A fake index of 25,000 records, one per day from 1960-01-01: Count depends on
    mindate/maxdate, and no slice may exceed 10,000."""
    first_day = date(1960, 1, 1)
    n = 25_000

    def ids(lo: date | None, hi: date | None) -> list[str]:
        start = 0 if lo is None else max(0, (lo - first_day).days)
        stop = n if hi is None else min(n, (hi - first_day).days + 1)
        return [str(10_000_000 + i) for i in range(start, max(start, stop))]

    registry.ids_for_range = ids
    query = PubmedQuery(term=TERM, first_date=date(1950, 1, 1), last_date=date(2030, 12, 31))
    total, slices = search_slices(client, query)
    assert total == n
    assert all(0 < s.count <= 10_000 for s in slices)
    assert sum(s.count for s in slices) == n
    listed = [i for s in slices for i in s.ids]
    assert len(listed) == n and len(set(listed)) == n
    bounds = [(s.mindate, s.maxdate) for s in slices]
    assert all(a[1] + timedelta(days=1) <= b[0] for a, b in itertools.pairwise(bounds))
    assert len([s for s in registry.seen if "mindate" not in s.params]) == 1


def test_a_single_day_above_the_limit_is_an_error(registry, client):
    registry.count_for_range = lambda lo, hi: 20_000
    query = PubmedQuery(term=TERM, first_date=date(2020, 1, 1), last_date=date(2020, 1, 4))
    with pytest.raises(FetchError, match="alone exceed 10000"):
        search_slices(client, query)


def test_slices_that_do_not_add_up_are_an_error(registry, client):
    registry.count_for_range = lambda lo, hi: 12_000 if lo is None else 10
    query = PubmedQuery(term=TERM, first_date=date(2020, 1, 1), last_date=date(2020, 1, 4))
    with pytest.raises(FetchError, match="slices hold 10 records but the search has 12000"):
        search_slices(client, query)


def test_zero_hits_give_one_empty_slice(registry, client):
    total, slices = search_slices(client, PubmedQuery(term=TERM))
    assert total == 0 and len(slices) == 1 and slices[0].ids == []


def test_api_key_is_sent_but_never_written_or_logged(
    registry, server, policy, tmp_path, monkeypatch, caplog
):
    key = "0123456789abcdefSECRETKEY"
    registry.articles = fixture_articles()
    registry.faults["efetch"] = ["500", "drop"]
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("NCBI_API_KEY", key)
    monkeypatch.setenv("TRIALSYNTH_EUTILS_BASE_URL", server.url)
    out = tmp_path / "pubmed"
    # through the library with injected (fast) retries ...
    with HttpClient(
        server.url, requests_per_second=1000.0, policy=policy, secret_params={"api_key": key}
    ) as client:
        fetch_pubmed_snapshot(out, PubmedQuery(term=TERM, batch_size=4), client)
    # ... and through the command, which reads the key from the environment
    out_cli = tmp_path / "pubmed_cli"
    assert main(["-v", "fetch", "pubmed", "--out", str(out_cli), "--term", TERM]) == 0
    assert all(s.params.get("api_key") == key for s in registry.seen)
    assert len(registry.seen) >= 6
    for folder in (out, out_cli):
        for path in folder.iterdir():
            assert key not in path.read_text(encoding="utf-8"), path
    assert "retry" in caplog.text and "127.0.0.1" in caplog.text  # URLs were logged ...
    assert key not in caplog.text  # ... without the key
    assert sorted(received_pmids(out_cli)) == sorted(registry.articles)


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"batch_size": 501}, "batch size"), ({}, "empty")]
)
def test_bad_queries_are_input_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        PubmedQuery(term=" " if not kwargs else TERM, **kwargs)


def test_esearch_error_reply_is_a_fetch_error_naming_the_cause():
    body = (
        b'<?xml version="1.0" encoding="UTF-8" ?>\n'
        b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
        b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
        b"<eSearchResult><ERROR>Empty term and query_key - nothing todo</ERROR></eSearchResult>"
    )
    with pytest.raises(FetchError, match=r"esearch\.fcgi: esearch reply is an error.*nothing todo"):
        parse_esearch(body, "http://127.0.0.1/esearch.fcgi")
