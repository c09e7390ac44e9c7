"""Issue 8 cases of the fetch clients, against the loopback server: a refresh never empties
or silently shrinks a snapshot (item 1), a ``--since`` merge keeps the files it does not
replace (item 2), a bad ``--since`` date is refused before any request (item 11), and an API
key is redacted in its URL-encoded forms too (item 13)."""

from __future__ import annotations

import json
import logging
import shutil
import socket
from pathlib import Path

import pytest
from loopback_fetch import fixture_articles, fixture_studies

from trialsynth.cli import main
from trialsynth.errors import FetchError, InputError
from trialsynth.fetch.ctgov import CtgovQuery, fetch_ctgov_snapshot
from trialsynth.fetch.http import HttpClient, redact
from trialsynth.fetch.pubmed import PubmedQuery, fetch_pubmed_snapshot
from trialsynth.fetch.snapshot import ShrinkGuard, read_manifest
from trialsynth.parse.nct_ids import study_nct_id as nct_id

REPO = Path(__file__).resolve().parents[3]
QUERY = CtgovQuery(query_intr="drug A", page_size=5)
TERM = "drug A[tiab] AND trial[tiab]"


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# item 1 -----------------------------------------------------------------------------------


def test_zero_studies_never_replace_a_ctgov_snapshot(registry, client, tmp_path):
    registry.studies = fixture_studies()
    out = tmp_path / "ctgov"
    fetch_ctgov_snapshot(out, QUERY, client)
    before = tree_bytes(out)
    registry.studies = []  # {"studies": [], "totalCount": 0}
    with pytest.raises(FetchError, match=r"returned no studies.*holds 12.*--allow-shrink"):
        fetch_ctgov_snapshot(out, QUERY, client)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctgov"]
    # a deliberately empty query is allowed with the explicit option
    manifest = fetch_ctgov_snapshot(out, QUERY, client, ShrinkGuard(allow_shrink=True))
    assert manifest["counts"] == {"expected": 0, "received": 0, "studies_in_snapshot": 0}


def test_a_large_drop_needs_the_option_and_the_share_is_configurable(registry, client, tmp_path):
    registry.studies = fixture_studies()
    out = tmp_path / "ctgov"
    fetch_ctgov_snapshot(out, QUERY, client)
    before = tree_bytes(out)
    registry.studies = fixture_studies()[:6]  # half of the 12 studies gone
    with pytest.raises(FetchError, match=r"returned 6 studies.*holds 12: 50% would be dropped"):
        fetch_ctgov_snapshot(out, QUERY, client)
    assert tree_bytes(out) == before
    manifest = fetch_ctgov_snapshot(out, QUERY, client, ShrinkGuard(max_drop_share=0.5))
    assert manifest["counts"]["studies_in_snapshot"] == 6
    registry.studies = fixture_studies()[:5]  # one of six dropped (17 %) is within the default
    assert fetch_ctgov_snapshot(out, QUERY, client)["counts"]["received"] == 5


def test_zero_pubmed_ids_never_replace_a_snapshot(registry, client, tmp_path):
    registry.articles = fixture_articles()
    out = tmp_path / "pubmed"
    fetch_pubmed_snapshot(out, PubmedQuery(term=TERM, batch_size=4), client)
    before = tree_bytes(out)
    registry.articles = {}
    registry.seen.clear()
    with pytest.raises(FetchError, match=r"returned no PubMed records.*holds 8.*--allow-shrink"):
        fetch_pubmed_snapshot(out, PubmedQuery(term=TERM), client)
    assert tree_bytes(out) == before
    assert [s.path for s in registry.seen] == ["/esearch.fcgi"]  # refused before any efetch
    empty = fetch_pubmed_snapshot(out, PubmedQuery(term=TERM), client, ShrinkGuard(True))
    assert empty["counts"]["received"] == 0


def test_cli_refuses_an_empty_reply_with_a_non_zero_exit(registry, server, tmp_path, capsys):
    registry.studies = fixture_studies()
    out = tmp_path / "ctgov"
    argv = ["fetch", "ctgov", "--out", str(out), "--query-intr", "drug A"]
    argv += ["--base-url", server.url, "--requests-per-second", "100"]
    assert main(argv) == 0
    before = tree_bytes(out)
    registry.studies = []
    assert main(argv) == FetchError.exit_code
    assert "returned no studies, but the snapshot" in capsys.readouterr().err
    assert tree_bytes(out) == before
    assert main([*argv, "--allow-shrink"]) == 0
    assert main([*argv, "--max-drop-share", "1.5"]) == InputError.exit_code


def test_an_empty_first_fetch_is_allowed(registry, client, tmp_path):
    registry.studies = []
    manifest = fetch_ctgov_snapshot(tmp_path / "ctgov", QUERY, client)
    assert manifest["counts"]["received"] == 0


# item 2 -----------------------------------------------------------------------------------


def test_since_merge_keeps_the_provenance_of_the_shipped_snapshot(registry, client, tmp_path):
    out = tmp_path / "ctgov"
    shutil.copytree(REPO / "data/raw/ctgov", out)
    shipped = read_manifest(out)
    changed = json.loads(json.dumps(fixture_studies()[0]))
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2099-01-01"}
    registry.studies = [changed]
    since = CtgovQuery(query_intr="drug A", since="2098-12-31")
    manifest = fetch_ctgov_snapshot(out, since, client)

    assert (out / "provenance.csv").read_bytes() == (
        REPO / "data/raw/ctgov/provenance.csv"
    ).read_bytes()
    assert manifest["files"]["provenance.csv"] == shipped["files"]["provenance.csv"]
    assert manifest["provenance"] == "provenance.csv"
    assert manifest["kept_from_previous"] == ["provenance.csv"]
    assert manifest["merged_into"] == shipped["source"]
    # the manifest stays true: every file it lists is there with its sha256, nothing else
    assert read_manifest(out)["files"] == manifest["files"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], "manifest.json"])
    pages = [json.loads((out / n).read_text()) for n in manifest["files"] if n.startswith("page")]
    merged = {nct_id(s): s for page in pages for s in page["studies"]}
    assert len(merged) == 46  # the shipped 46 studies, one of them updated
    assert merged[nct_id(changed)] == changed
    assert manifest["changed"] == {"added": [], "updated": [nct_id(changed)]}


# item 11 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("since", ["2026-13-45", "2026-02-30", "2026-W01-1", "2026-1-5"])
def test_an_impossible_since_date_is_refused_before_any_request(registry, server, tmp_path, since):
    out = tmp_path / "ctgov"
    shutil.copytree(REPO / "data/raw/ctgov", out)
    argv = ["fetch", "ctgov", "--out", str(out), "--query-intr", "drug A", "--since", since]
    assert main([*argv, "--base-url", server.url]) == InputError.exit_code
    assert registry.seen == []
    with pytest.raises(InputError, match=f"--since '{since}' is not a valid date"):
        CtgovQuery(query_intr="drug A", since=since)


# item 13 ----------------------------------------------------------------------------------

KEY = "ab+cd/ef gh"  # every character that URL encoding changes


def test_redact_covers_the_url_encoded_forms():
    text = "raw ab+cd/ef gh plus ab%2Bcd%2Fef+gh pct ab%2Bcd%2Fef%20gh low ab%2bcd%2fef+gh"
    assert redact(text, [KEY]) == "raw *** plus *** pct *** low ***"


def test_encoded_api_key_is_redacted_in_logs_errors_and_files(
    registry, server, policy, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    registry.articles = fixture_articles()
    out = tmp_path / "pubmed"
    with HttpClient(
        server.url, requests_per_second=1000.0, policy=policy, secret_params={"api_key": KEY}
    ) as client:
        fetch_pubmed_snapshot(out, PubmedQuery(term=TERM, batch_size=4), client)
    assert all(s.params.get("api_key") == KEY for s in registry.seen)  # sent intact
    # a port nobody listens on: requests puts the whole URL, key encoded, in its error
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with (
        HttpClient(
            closed, requests_per_second=1000.0, policy=policy, secret_params={"api_key": KEY}
        ) as client,
        pytest.raises(FetchError) as caught,
    ):
        client.get_xml("esearch.fcgi", {"db": "pubmed", "term": TERM})
    texts = [str(caught.value), caplog.text]
    texts += [p.read_text(encoding="utf-8") for p in out.iterdir()]
    assert "api_key=***" in caplog.text  # the URLs were logged, with the key redacted
    for text in texts:
        for form in ("ab+cd", "ab%2Bcd", "ab%2bcd", "ef+gh", "ef%20gh", "cd%2Fef"):
            assert form not in text
