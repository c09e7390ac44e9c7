"""The one-pass reader (``newest_values``) keeps what the two-pass reader keeps, and the
page-level check for control characters never lets one through."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from trialsynth.parse.ctgov_pages import RawStudy, iter_ctgov_studies, newest_values
from trialsynth.parse.ctgov_parse import parse_ctgov

from .test_one_reader import NCT, dated, record, snapshot


def test_newest_values_keeps_the_studies_of_the_two_pass_reader_in_order(tmp_path: Path) -> None:
    other = "NCT02493868"
    pages = [
        [dated(record(), "2019-01-01"), record(other)],
        [dated(record(), "2025-06-01")],  # supersedes the first copy, met later
        [dated(record(other), "2001-01-01")],  # older than the kept copy: dropped
    ]
    raw = snapshot(tmp_path / "raw", pages)
    seen: list[tuple[str, int]] = []

    def title(item: RawStudy) -> tuple[str, str]:
        seen.append((item.path.name, item.position))
        status = item.study["protocolSection"]["statusModule"]
        return item.nct_id, status["lastUpdatePostDateStruct"]["date"]

    kept = newest_values(raw, title)
    expected = [
        (s["protocolSection"]["identificationModule"]["nctId"], path.name)
        for path, s in iter_ctgov_studies(raw)
    ]
    assert [(item.nct_id, item.path.name) for item, _ in kept] == expected
    assert [value for _, value in kept] == [
        (
            other,
            record(other)["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"],
        ),
        (NCT, "2025-06-01"),
    ]
    assert [item.study for item, _ in kept] == [{}, {}]  # the studies are not held
    # one pass; an older copy met after the kept one is never computed
    assert seen == [("page-0001.json", 0), ("page-0001.json", 1), ("page-0002.json", 0)]


def _page(folder: Path, studies: list[dict[str, Any]], ascii_only: bool) -> Path:
    folder.mkdir()
    data = json.dumps({"studies": studies}, ensure_ascii=ascii_only).encode()
    (folder / "page-0001.json").write_bytes(data)
    manifest = {"files": {"page-0001.json": hashlib.sha256(data).hexdigest()}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_control_characters_in_any_json_spelling_are_removed(tmp_path: Path) -> None:
    study = record()
    ident = study["protocolSection"]["identificationModule"]
    ident["briefTitle"] = "A\x7fB\x85C\bD\fE\x1fF"
    clean = record("NCT02493868")
    for name, ascii_only in (("escaped", True), ("raw", False)):
        trials = parse_ctgov(_page(tmp_path / name, [clean, study], ascii_only))
        assert trials.set_index("nct_id").loc[NCT, "brief_title"] == "ABCDEF"


def test_a_backslash_before_b_is_text_not_a_control_character(tmp_path: Path) -> None:
    study = record()
    study["protocolSection"]["identificationModule"]["briefTitle"] = "C:\\bin\\f and \u00e9"
    trials = parse_ctgov(_page(tmp_path / "raw", [study], ascii_only=False))
    assert trials.loc[0, "brief_title"] == "C:\\bin\\f and \u00e9"
