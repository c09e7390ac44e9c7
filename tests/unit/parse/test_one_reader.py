"""Issue 8 cases of the CT.gov reader: every stage reads the same version of a trial (item 5),
a snapshot's pages are checked against its manifest before any stage reads them (item 6), and
control characters never reach a CSV (item 9)."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from trialsynth.code import load_codebook
from trialsynth.code.stage import run_coding
from trialsynth.errors import InputError
from trialsynth.outcomes.ctgov_results import load_ctgov_studies
from trialsynth.parse.ctgov_parse import parse_ctgov, write_trials
from trialsynth.parse.pubmed import parse_pubmed, write_articles

REPO = Path(__file__).resolve().parents[3]
RECORDS = REPO / "tests" / "fixtures" / "code" / "records"
NCT = "NCT02417064"


def record(nct_id: str = NCT) -> dict[str, Any]:
    return json.loads((RECORDS / f"{nct_id}.json").read_text(encoding="utf-8"))


def snapshot(folder: Path, pages: list[list[dict[str, Any]]]) -> Path:
    """A raw CT.gov folder with these pages and a manifest listing their sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for number, studies in enumerate(pages, start=1):
        name = f"page-{number:04d}.json"
        data = json.dumps({"studies": studies}, indent=2).encode()
        (folder / name).write_bytes(data)
        files[name] = hashlib.sha256(data).hexdigest()
    manifest = {"source": "live", "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def dated(study: dict[str, Any], date: str) -> dict[str, Any]:
    study = copy.deepcopy(study)
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": date}
    return study


# item 5 -----------------------------------------------------------------------------------


def test_every_stage_reads_the_newest_version_of_a_trial(tmp_path):
    newest = dated(record(), "2025-06-01")
    superseded = dated(record(), "2019-01-01")
    superseded["protocolSection"]["identificationModule"]["briefTitle"] = "superseded copy"
    del superseded["protocolSection"]["armsInterventionsModule"]  # codes as no arms at all
    # the superseded copy comes last in file order: the copy met last is the wrong one
    raw = snapshot(tmp_path / "raw", [[newest, record("NCT02493868")], [superseded]])

    trials = parse_ctgov(raw)
    row = trials.set_index("nct_id").loc[NCT]
    assert row["last_update_post_date"] == "2025-06-01"
    assert row["brief_title"] == newest["protocolSection"]["identificationModule"]["briefTitle"]

    codebook = load_codebook(REPO / "analysis/codebook.yaml")
    coded = run_coding([raw], codebook, tmp_path / "c.csv")
    alone = run_coding([RECORDS / f"{NCT}.json"], codebook, tmp_path / "d.csv")
    old_file = tmp_path / "superseded.json"
    old_file.write_text(json.dumps(superseded), encoding="utf-8")
    old = run_coding([old_file], codebook, tmp_path / "e.csv")
    assert "no_interventions" in old[NCT].flags and old[NCT].row() != alone[NCT].row()
    assert coded[NCT].row() == alone[NCT].row()  # coded exactly as the newest record alone

    studies = {
        s["protocolSection"]["identificationModule"]["nctId"]: s for _, s in load_ctgov_studies(raw)
    }
    assert studies[NCT] == newest


def test_one_nct_id_accessor_in_the_package():
    """The four copies of the nctId lookup (fetch, parse, coding, outcomes) are one helper."""
    package = REPO / "src" / "trialsynth"
    lookups = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if re.search(r"""\.get\(\s*["']nctId["']""", path.read_text(encoding="utf-8"))
    ]
    assert lookups == ["parse/nct_ids.py"]


# item 6 -----------------------------------------------------------------------------------


def test_an_edited_page_is_an_error_naming_the_file_and_the_fix(tmp_path):
    raw = snapshot(tmp_path / "raw", [[record()]])
    page = raw / "page-0001.json"
    page.write_text(page.read_text().replace("TRANSFORM-1", "TRANSFORM-9"), encoding="utf-8")
    codebook = load_codebook(REPO / "analysis/codebook.yaml")
    for read in (
        lambda: parse_ctgov(raw),
        lambda: run_coding([raw], codebook, tmp_path / "c.csv"),
        lambda: list(load_ctgov_studies(raw)),
    ):
        with pytest.raises(InputError) as info:
            read()
        text = str(info.value)
        assert text.startswith(f"{page}: does not match its sha256 in {raw / 'manifest.json'}")
        assert f"git checkout -- {page}" in text and "trialsynth fetch ctgov" in text


def test_a_page_added_or_removed_after_the_fetch_is_an_error(tmp_path):
    raw = snapshot(tmp_path / "raw", [[record()], [record("NCT02493868")]])
    extra = raw / "page-0003.json"
    extra.write_text(json.dumps({"studies": []}), encoding="utf-8")
    with pytest.raises(InputError, match=r"page-0003\.json: not listed in the snapshot's"):
        parse_ctgov(raw)
    extra.unlink()
    (raw / "page-0002.json").unlink()
    with pytest.raises(
        InputError, match=r"page-0002\.json: listed in .*manifest\.json but missing"
    ):
        parse_ctgov(raw)


def test_an_edited_pubmed_file_is_an_error(tmp_path):
    raw = tmp_path / "pubmed"
    raw.mkdir()
    for path in (REPO / "data/raw/pubmed").iterdir():
        (raw / path.name).write_bytes(path.read_bytes())
    parse_pubmed(raw)  # the shipped snapshot is true
    efetch = raw / "efetch-0001.xml"
    efetch.write_bytes(efetch.read_bytes().replace(b"<Year>2019</Year>", b"<Year>2018</Year>", 1))
    with pytest.raises(InputError, match=r"efetch-0001\.xml: does not match its sha256"):
        parse_pubmed(raw)


# item 9 -----------------------------------------------------------------------------------


def test_control_characters_are_removed_counted_and_never_written(tmp_path, caplog):
    study = record()
    ident = study["protocolSection"]["identificationModule"]
    ident["briefTitle"] = "Drug A\u0000 for\u0007 adults\u001b[31m \u0085ok\ttab\nline"
    study["protocolSection"]["conditionsModule"]["keywords"] = ["key\u0000word"]
    raw = snapshot(tmp_path / "raw", [[study]])
    caplog.set_level(logging.WARNING)
    trials = parse_ctgov(raw)
    out = tmp_path / "trials.csv"
    write_trials(trials, out)
    text = out.read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)
    assert trials.loc[0, "brief_title"] == "Drug A for adults[31m ok\ttab\nline"
    assert trials.loc[0, "keywords"] == "keyword"
    assert (
        f"page-0001.json studies[0] {NCT}: removed 5 control characters "
        "(U+0000 x2, U+0007, U+001B, U+0085)" in caplog.text
    )


def test_control_characters_in_pubmed_text_are_removed(tmp_path, caplog):
    raw = tmp_path / "pubmed"
    raw.mkdir()
    efetch = (REPO / "data/raw/pubmed/efetch-0001.xml").read_bytes()
    title = re.search(rb"<ArticleTitle>(.*?)</ArticleTitle>", efetch)
    assert title is not None
    dirty = efetch.replace(title.group(0), b"<ArticleTitle>A\xc2\x85B\xc2\x9fC</ArticleTitle>", 1)
    (raw / "efetch-0001.xml").write_bytes(dirty)  # no manifest: read unchecked
    caplog.set_level(logging.WARNING)
    articles = parse_pubmed(raw)
    out = tmp_path / "articles.csv"
    write_articles(articles, out)
    assert "ABC" in set(articles["title"])
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", out.read_text("utf-8"))
    assert "removed 2 control characters (U+0085, U+009F)" in caplog.text
