"""The benchmark snapshot generator writes what a live fetch writes, deterministically."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from bench_support import synth_snapshot

from trialsynth.fetch.snapshot import read_manifest
from trialsynth.parse.ctgov_parse import parse_ctgov
from trialsynth.parse.pubmed import parse_pubmed


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synth_snapshot().build(out, 1200, 2400, seed=7)
    return out


def test_same_seed_same_bytes_other_seed_other_records(snapshot: Path, tmp_path: Path) -> None:
    generator = synth_snapshot()
    generator.build(tmp_path / "again", 1200, 2400, seed=7)
    generator.build(tmp_path / "other", 1200, 2400, seed=8)
    assert _digests(tmp_path / "again") == _digests(snapshot)
    assert _digests(tmp_path / "other") != _digests(snapshot)


def test_layout_is_that_of_a_paged_fetch(snapshot: Path) -> None:
    ctgov = read_manifest(snapshot / "ctgov")  # checks every file against its sha256
    pubmed = read_manifest(snapshot / "pubmed")
    assert sorted(ctgov["files"]) == ["page-0001.json", "page-0002.json"]
    assert ctgov["counts"] == {"expected": 1200, "received": 1200}
    assert sorted(pubmed["files"]) == [
        *(f"efetch-{n:04d}.xml" for n in range(1, 6)),
        "esearch-0001.xml",
    ]
    assert "NOT a live API response" in pubmed["source"]
    esearch = (snapshot / "pubmed" / "esearch-0001.xml").read_text(encoding="utf-8")
    assert "<Count>2400</Count>" in esearch
    assert len(re.findall(r"<Id>\d+</Id>", esearch)) == 2400


def test_records_parse_and_link_to_the_synthetic_trials(snapshot: Path) -> None:
    trials = parse_ctgov(snapshot / "ctgov")
    articles = parse_pubmed(snapshot / "pubmed")
    assert len(trials) == 1200 and trials["nct_id"].is_unique
    assert len(articles) == 2400 and articles["pmid"].is_unique
    # the real records come first and verbatim, so the curated sheets keep their studies
    assert {"NCT02417064", "NCT02493868"} <= set(trials["nct_id"])
    synthetic = articles[articles["pmid"].astype(int) >= 50_000_000]
    linked = synthetic["databank_nct_ids"].dropna().str.split(";").explode()
    mentioned = synthetic["text_nct_ids"].dropna().str.split(";").explode()
    assert len(linked) > 500 and len(mentioned) > 100
    assert set(linked) | set(mentioned) <= set(trials["nct_id"])
    # varied, not copied: many distinct titles and condition lists per real record
    assert trials["brief_title"].nunique() > 400
    assert articles["title"].nunique() > 100
    pages = [json.loads(p.read_text("utf-8")) for p in sorted((snapshot / "ctgov").glob("page-*"))]
    studies = [s for page in pages for s in page["studies"]]
    copies = [s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] > "NCT9"]
    posted = sum("resultsSection" in s for s in copies) / len(copies)
    assert 0.05 < posted < 0.2  # 30 % of the copies of the 37 % of real records with results


def test_rewrite_changes_one_in_a_hundred(snapshot: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "ctgov"
    shutil.copytree(snapshot / "ctgov", folder)
    before = parse_ctgov(folder).set_index("nct_id")
    assert synth_snapshot().rewrite_ctgov(folder, every=100) == 12
    after = parse_ctgov(folder).set_index("nct_id")
    manifest = read_manifest(folder)
    updated = manifest["changed"]["updated"]
    assert len(updated) == 12 and sorted(after.index) == sorted(before.index)
    assert (after.loc[updated, "last_update_post_date"] == "2026-01-15").all()
