"""The transcribed-snapshot builder and the shipped snapshot in data/raw."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from Bio import Entrez
from loopback_fetch import FIXTURES

from trialsynth.errors import InputError
from trialsynth.fetch.pubmed import article_pmids
from trialsynth.fetch.snapshot import read_manifest
from trialsynth.fetch.transcribed import load_pubmed_articles, main
from trialsynth.parse.nct_ids import study_nct_id as nct_id

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    """Transcribed-record folders built from the fixtures: 12 CT.gov records, and 8 articles
    plus a two-article efetch file that repeats two of them."""
    ct = tmp_path / "ct"
    shutil.copytree(FIXTURES / "ctgov", ct)
    (ct / "provenance.csv").write_text("nct_id,url\nNCT01582945,https://example.org/a\n")
    pm = tmp_path / "pm"
    (pm / "articles").mkdir(parents=True)
    for path in sorted((FIXTURES / "pubmed").glob("[0-9]*.xml")):
        shutil.copy(path, pm / "articles" / path.name)
    pair = [(FIXTURES / "pubmed" / f"{p}.xml").read_bytes() for p in ("41084764", "23982301")]
    head, _, rest = pair[0].partition(b"<PubmedArticle>")
    second = pair[1][pair[1].index(b"<PubmedArticle>") :]
    multi = head + b"<PubmedArticle>" + rest.replace(b"</PubmedArticleSet>\n", b"") + second
    (pm / "efetch_two.xml").write_bytes(multi)
    (pm / "provenance.csv").write_text("pmid,url\n23982301,https://example.org/b\n")
    return ct, pm


def build(sources: tuple[Path, Path], out: Path, *extra: str) -> int:
    """Run the builder; the fixture articles carry no DateRevised, so PubMed needs
    --timestamp unless ``extra`` gives one."""
    ct, pm = sources
    stamp = [] if extra else ["--timestamp", "2025-11-10T00:00:00Z"]
    argv = ["--ctgov-records", str(ct), "--pubmed", str(pm), "--out", str(out)]
    return main([*argv, *stamp, *extra])


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_builder_writes_the_live_layout(sources, tmp_path):
    out = tmp_path / "raw"
    assert build(sources, out) == 0
    assert sorted(tree(out)) == [
        "ctgov/manifest.json",
        "ctgov/page-0001.json",
        "ctgov/provenance.csv",
        "pubmed/efetch-0001.xml",
        "pubmed/esearch-0001.xml",
        "pubmed/manifest.json",
        "pubmed/provenance.csv",
    ]
    page = json.loads((out / "ctgov" / "page-0001.json").read_text())
    given = [json.loads(p.read_text()) for p in sorted((FIXTURES / "ctgov").glob("*.json"))]
    assert page["totalCount"] == 12
    assert page["studies"] == sorted(given, key=nct_id)  # every record exactly as given
    pmids = article_pmids((out / "pubmed" / "efetch-0001.xml").read_bytes())
    assert pmids == sorted(pmids, key=int) and len(pmids) == len(set(pmids)) == 8
    manifest = read_manifest(out / "pubmed")  # sha256 of every file checked
    assert manifest["source"].startswith("transcribed snapshot")
    assert "NOT a live API response" in manifest["source"]
    assert manifest["provenance"] == "provenance.csv"
    assert manifest["counts"] == {"expected": 8, "received": 8}
    assert manifest["data_timestamp"] == manifest["started_utc"]
    ct_manifest = read_manifest(out / "ctgov")
    assert ct_manifest["counts"] == {"expected": 12, "received": 12}


def test_rebuild_is_byte_identical(sources, tmp_path):
    assert build(sources, tmp_path / "a") == 0
    assert build(sources, tmp_path / "b") == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert build(sources, tmp_path / "c", "--timestamp", "2026-01-02T03:04:05Z") == 0
    stamped = json.loads((tmp_path / "c" / "ctgov" / "manifest.json").read_text())
    assert stamped["started_utc"] == stamped["finished_utc"] == "2026-01-02T03:04:05Z"


def test_pubmed_files_parse_offline_with_entrez(sources, tmp_path):
    build(sources, tmp_path / "raw")
    fetched = Entrez.read(io.BytesIO((tmp_path / "raw/pubmed/efetch-0001.xml").read_bytes()))
    assert len(fetched["PubmedArticle"]) == 8
    search = Entrez.read(io.BytesIO((tmp_path / "raw/pubmed/esearch-0001.xml").read_bytes()))
    assert search["Count"] == "8"
    assert list(search["IdList"]) == sorted(search["IdList"], key=int)


def test_conflicting_duplicate_pmid_is_an_input_error(sources):
    _, pm = sources
    path = pm / "articles" / "23982301.xml"
    path.write_bytes(path.read_bytes().replace(b"Two-Site", b"Three-Site"))
    with pytest.raises(InputError, match="PMID 23982301"):
        load_pubmed_articles(pm)


def test_misnamed_record_fails_and_writes_nothing(sources, tmp_path):
    ct, _ = sources
    shutil.copy(ct / "NCT01582945.json", ct / "NCT00000000.json")
    out = tmp_path / "raw"
    assert build(sources, out) == InputError.exit_code
    assert not out.exists() or not any(out.rglob("*.json"))


def test_shipped_snapshot_is_complete_and_consistent():
    raw = REPO / "data" / "raw"
    ct_manifest = read_manifest(raw / "ctgov")
    page = json.loads((raw / "ctgov" / "page-0001.json").read_text(encoding="utf-8"))
    ids = [nct_id(s) for s in page["studies"]]
    assert page["totalCount"] == len(ids) == 46 and ids == sorted(ids)
    assert ct_manifest["counts"] == {"expected": 46, "received": 46}
    assert "transcribed" in ct_manifest["source"]
    # fixed timestamps from the records: newest lastUpdatePostDate / DateRevised
    assert ct_manifest["started_utc"] == "2025-11-10T00:00:00Z"
    pm_manifest = read_manifest(raw / "pubmed")
    efetch = Entrez.read(io.BytesIO((raw / "pubmed" / "efetch-0001.xml").read_bytes()))
    pmids = [str(a["MedlineCitation"]["PMID"]) for a in efetch["PubmedArticle"]]
    search = Entrez.read(io.BytesIO((raw / "pubmed" / "esearch-0001.xml").read_bytes()))
    assert list(search["IdList"]) == pmids == sorted(pmids, key=int)
    assert pm_manifest["counts"] == {"expected": 23, "received": 23} and len(pmids) == 23
    assert pm_manifest["data_timestamp"] == "2026-01-27T00:00:00Z"


def test_missing_date_without_timestamp_is_an_input_error(sources, tmp_path):
    ct, pm = sources
    argv = ["--ctgov-records", str(ct), "--pubmed", str(pm), "--out", str(tmp_path / "raw")]
    assert main(argv) == InputError.exit_code
    assert not (tmp_path / "raw").exists()  # neither snapshot written


def test_shipped_provenance_names_public_origins_only():
    """Issue 8, item 16: no record's origin is a local temporary file."""
    shipped = REPO / "data/raw/pubmed/provenance.csv"
    fixture = REPO / "tests/fixtures/records/pubmed/articles/provenance.csv"
    assert shipped.read_bytes() == fixture.read_bytes()
    for path in (shipped, REPO / "data/raw/ctgov/provenance.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and all(row["url"].startswith(("https://", "http://")) for row in rows), path
        assert not any("/tmp/" in value for row in rows for value in row.values()), path
    with shipped.open(encoding="utf-8", newline="") as handle:
        split = [row for row in csv.DictReader(handle) if "split verbatim" in row["what"]]
    assert {row["pmid"]: row["url"] for row in split} == {
        pmid: f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        for pmid in ("31166571", "31290965", "32316080")
    }
    assert all("efetch_pubmed_esketamine_SUSTAIN1" in row["what"] for row in split)
    read_manifest(REPO / "data/raw/pubmed")  # the manifest's sha256 of provenance.csv is true


def test_selection_text_comes_from_the_command_line(sources, tmp_path):
    out = tmp_path / "raw"
    assert (
        build(
            sources,
            out,
            "--timestamp",
            "2025-11-10T00:00:00Z",
            "--ctgov-selection",
            "trials of drug A",
        )
        == 0
    )
    assert read_manifest(out / "ctgov")["query"] == {"selection": "trials of drug A"}
    default = read_manifest(out / "pubmed")["query"]["selection"]
    assert default == "records chosen by hand for the review (see the README)"
