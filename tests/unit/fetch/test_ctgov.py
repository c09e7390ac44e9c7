"""CT.gov client against the loopback server: paging, faults, totalCount, --since merge."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from loopback_fetch import fixture_studies

from trialsynth.cli import main
from trialsynth.errors import FetchError, InputError
from trialsynth.fetch.ctgov import (
    CtgovQuery,
    fetch_ctgov_snapshot,
    merge_studies,
    read_snapshot_studies,
)
from trialsynth.fetch.snapshot import read_manifest
from trialsynth.parse.nct_ids import study_nct_id as nct_id

QUERY = CtgovQuery(query_intr="ketamine", fields=("protocolSection", "hasResults"), page_size=5)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def snapshot_ids(folder: Path) -> list[str]:
    return [nct_id(s) for s in read_snapshot_studies(folder)]


def test_query_parameters_follow_the_api_names():
    query = CtgovQuery(
        query_intr="ketamine OR esketamine",
        query_cond="depression",
        filter_advanced="AREA[Phase]PHASE3",
        fields=("protocolSection", "hasResults"),
        since="2025-01-31",
    )
    assert query.params() == {
        "format": "json",
        "query.cond": "depression",
        "query.intr": "ketamine OR esketamine",
        "filter.advanced": "(AREA[Phase]PHASE3) AND AREA[LastUpdatePostDate]RANGE[2025-01-31,MAX]",
        "fields": "protocolSection,hasResults",
        "pageSize": "1000",
        "countTotal": "true",
    }
    only_since = CtgovQuery(query_term="ketamine", since="2025-01-31")
    assert only_since.advanced_filter() == "AREA[LastUpdatePostDate]RANGE[2025-01-31,MAX]"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "query is empty"),
        ({"query_intr": "k", "page_size": 1001}, "page size"),
        ({"query_intr": "k", "since": "31/01/2025"}, "not a valid date"),
    ],
)
def test_bad_queries_are_input_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        CtgovQuery(**kwargs)


def test_every_study_arrives_once_over_pages_with_faults(registry, client, tmp_path):
    studies = fixture_studies()
    registry.studies = studies
    # one fault of each kind spread over the three pages (and the version call)
    registry.faults["version"] = ["429"]
    registry.faults["studies"] = ["500", "ok", "503", "drop", "ok", "truncate", "slow", "badbody"]
    out = tmp_path / "ctgov"
    manifest = fetch_ctgov_snapshot(out, QUERY, client)

    assert snapshot_ids(out) == [nct_id(s) for s in studies]
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "page-0001.json",
        "page-0002.json",
        "page-0003.json",
    ]
    page1 = json.loads((out / "page-0001.json").read_text())
    assert page1["totalCount"] == 12 and page1["nextPageToken"] == "tok5"
    assert page1["studies"] == studies[:5]  # records exactly as served
    assert manifest["counts"] == {"expected": 12, "received": 12, "studies_in_snapshot": 12}
    assert manifest["api_version"] == "2.0.5"
    assert manifest["data_timestamp"] == "2026-11-20T09:00:05"
    assert manifest["source"] == "live"
    assert [r["path"] for r in manifest["requests"]] == ["/version"] + ["/studies"] * 3
    assert read_manifest(out)["files"] == manifest["files"]


def test_pages_repeat_the_parameters_and_add_only_the_token(registry, client, tmp_path):
    registry.studies = fixture_studies()
    fetch_ctgov_snapshot(tmp_path / "ctgov", QUERY, client)
    pages = [s.params for s in registry.seen if s.path == "/studies"]
    assert len(pages) == 3
    assert pages[0] == QUERY.params()
    assert pages[1] == {**QUERY.params(), "pageToken": "tok5"}
    assert pages[2] == {**QUERY.params(), "pageToken": "tok10"}


def test_total_count_mismatch_fails_and_keeps_the_old_snapshot(registry, client, tmp_path):
    registry.studies = fixture_studies()
    out = tmp_path / "ctgov"
    fetch_ctgov_snapshot(out, QUERY, client)
    before = tree_bytes(out)
    registry.total_count = 13
    with pytest.raises(FetchError, match="received 12 studies but totalCount is 13"):
        fetch_ctgov_snapshot(out, QUERY, client)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctgov"]  # no temporary folder left


def test_failure_after_retries_keeps_the_old_snapshot(registry, client, tmp_path, server):
    registry.studies = fixture_studies()
    out = tmp_path / "ctgov"
    fetch_ctgov_snapshot(out, QUERY, client)
    before = tree_bytes(out)
    registry.faults["studies"] = ["ok", "503", "503", "503", "503"]
    with pytest.raises(FetchError) as caught:
        fetch_ctgov_snapshot(out, QUERY, client)
    assert f"{server.url}/studies" in str(caught.value) and "HTTP 503" in str(caught.value)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ctgov"]


def _with_update(study: dict, date: str, title: str) -> dict:
    changed = copy.deepcopy(study)
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": date}
    changed["protocolSection"]["identificationModule"]["briefTitle"] = title
    return changed


def test_merge_keeps_the_newest_version():
    old = fixture_studies()[:3]
    a, b, c = (nct_id(s) for s in old)
    newer = _with_update(old[0], "2099-01-01", "newer")
    older = _with_update(old[1], "1999-01-01", "older")
    fresh = fixture_studies()[5]
    merged, added, updated = merge_studies(old, [newer, older, fresh])
    by_id = {nct_id(s): s for s in merged}
    assert [nct_id(s) for s in merged] == sorted([a, b, c, nct_id(fresh)])
    assert by_id[a]["protocolSection"]["identificationModule"]["briefTitle"] == "newer"
    assert by_id[b] == old[1]  # the snapshot's version is newer than the one received
    assert added == [nct_id(fresh)] and updated == [a]


def test_since_merges_changed_studies_into_the_snapshot(registry, client, tmp_path):
    studies = fixture_studies()
    registry.studies = studies[:10]
    out = tmp_path / "ctgov"
    fetch_ctgov_snapshot(out, QUERY, client)
    changed = _with_update(studies[2], "2099-01-01", "changed since")
    registry.studies = [changed, studies[10], studies[11]]
    registry.seen.clear()
    since = CtgovQuery(**{**QUERY.describe(), "fields": QUERY.fields, "since": "2098-12-31"})
    manifest = fetch_ctgov_snapshot(out, since, client)

    sent = next(s.params for s in registry.seen if s.path == "/studies")
    assert sent["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2098-12-31,MAX]"
    merged = read_snapshot_studies(out)
    assert [nct_id(s) for s in merged] == sorted(nct_id(s) for s in studies)
    assert merged[2]["protocolSection"]["identificationModule"]["briefTitle"] == "changed since"
    assert manifest["since"] == "2098-12-31"
    assert manifest["source"] == "live (--since merge)" and manifest["merged_into"] == "live"
    assert manifest["changed"] == {
        "added": sorted([nct_id(studies[10]), nct_id(studies[11])]),
        "updated": [nct_id(studies[2])],
    }
    assert manifest["counts"]["studies_in_snapshot"] == 12
    page1 = json.loads((out / "page-0001.json").read_text())
    assert page1["totalCount"] == 12 and len(page1["studies"]) == 5


def test_since_without_a_snapshot_is_an_input_error(registry, client, tmp_path):
    query = CtgovQuery(query_intr="ketamine", since="2025-01-01")
    with pytest.raises(InputError, match="manifest not found"):
        fetch_ctgov_snapshot(tmp_path / "none", query, client)


def test_cli_exits_non_zero_and_keeps_the_snapshot(registry, server, tmp_path, monkeypatch):
    registry.studies = fixture_studies()
    out = tmp_path / "ctgov"
    argv = ["fetch", "ctgov", "--out", str(out), "--query-intr", "ketamine", "--page-size", "5"]
    argv += ["--requests-per-second", "100"]
    monkeypatch.setenv("TRIALSYNTH_CTGOV_BASE_URL", server.url)
    assert main(argv) == 0
    assert len(snapshot_ids(out)) == 12
    before = tree_bytes(out)
    registry.total_count = 20
    assert main([*argv, "--base-url", server.url]) == FetchError.exit_code
    assert tree_bytes(out) == before


def test_cli_rejects_a_zero_rate(tmp_path):
    argv = ["fetch", "ctgov", "--out", str(tmp_path / "x"), "--query-intr", "k"]
    assert main([*argv, "--requests-per-second", "0"]) == InputError.exit_code
    assert not (tmp_path / "x").exists()


def test_cli_sends_the_fields_list(registry, server, tmp_path):
    registry.studies = fixture_studies()
    argv = ["fetch", "ctgov", "--out", str(tmp_path / "ct"), "--query-cond", "depression"]
    argv += ["--fields", "protocolSection,hasResults", "--base-url", server.url]
    argv += ["--requests-per-second", "100", "--filter-advanced", "AREA[Phase]PHASE3"]
    assert main(argv) == 0
    sent = next(s.params for s in registry.seen if s.path == "/studies")
    assert sent["fields"] == "protocolSection,hasResults"
    assert sent["query.cond"] == "depression" and sent["pageSize"] == "1000"
    assert sent["filter.advanced"] == "AREA[Phase]PHASE3" and sent["countTotal"] == "true"
