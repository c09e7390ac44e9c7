"""Coding with a memo: only changed trials are coded again, and the tables are the bytes of a
cold run whatever state the memo is in."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from trialsynth.code import Codebook, load_codebook, reuse
from trialsynth.code.stage import run_coding

from .conftest import CODEBOOK

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "data" / "raw" / "ctgov"


def _snapshot(folder: Path) -> Path:
    shutil.copytree(SHIPPED, folder)
    return folder


def _edit_one(raw: Path) -> str:
    """Change the enrollment of the third study (as a refresh does); return its NCT ID."""
    page = raw / "page-0001.json"
    body = json.loads(page.read_text(encoding="utf-8"))
    study = body["studies"][2]
    design = study["protocolSection"].setdefault("designModule", {})
    design["enrollmentInfo"] = {"count": 12345, "type": "ACTUAL"}
    data = json.dumps(body).encode()
    page.write_bytes(data)
    manifest = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][page.name] = hashlib.sha256(data).hexdigest()
    (raw / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def _code(raw: Path, out: Path, cache: Path | None, codebook: Codebook, jobs: int = 1) -> bytes:
    out.mkdir(exist_ok=True)
    run_coding([raw], codebook, out / "coding.csv", None, jobs, out / "arms.csv", cache=cache)
    return (out / "coding.csv").read_bytes() + b"\0" + (out / "arms.csv").read_bytes()


def _counts(text: str) -> tuple[int, int]:
    found = re.findall(r"(\d+) trials: (\d+) reused from .*, (\d+) coded", text)
    assert found, text
    total, reused, coded = map(int, found[-1])
    assert total == reused + coded
    return reused, coded


def test_only_the_changed_trial_is_coded_again(
    tmp_path: Path, codebook: Codebook, caplog: pytest.LogCaptureFixture
) -> None:
    raw = _snapshot(tmp_path / "raw")
    cache = tmp_path / "cache"
    caplog.set_level(logging.INFO)
    cold = _code(raw, tmp_path / "cold", cache, codebook)
    reused, coded = _counts(caplog.text)
    assert (reused, coded) == (0, 46)
    assert (cache / "code.memo").is_file()

    caplog.clear()
    assert _code(raw, tmp_path / "warm", cache, codebook) == cold
    assert _counts(caplog.text) == (46, 0)

    changed = _edit_one(raw)
    caplog.clear()
    refreshed = _code(raw, tmp_path / "refresh", cache, codebook)
    assert _counts(caplog.text) == (45, 1)
    assert refreshed == _code(raw, tmp_path / "no-memo", None, codebook)
    assert refreshed == cold and changed.encode() in refreshed  # enrollment is not coded
    # the memo holds the last run's trials only: 46 entries, not 47
    assert len((cache / "code.memo").read_text(encoding="utf-8").splitlines()) == 1 + 46


def test_a_damaged_memo_gives_the_same_tables_and_a_warning(
    tmp_path: Path, codebook: Codebook, caplog: pytest.LogCaptureFixture
) -> None:
    raw = _snapshot(tmp_path / "raw")
    cache = tmp_path / "cache"
    cold = _code(raw, tmp_path / "cold", cache, codebook)
    memo = cache / "code.memo"
    lines = memo.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace('"drug":"', '"drug":"x', 1)  # a wrong value, checksum kept
    lines[5] = lines[5][:40]  # a truncated entry
    memo.write_text("\n".join(lines) + "\n", encoding="utf-8")
    caplog.clear()
    caplog.set_level(logging.INFO)
    assert _code(raw, tmp_path / "damaged", cache, codebook) == cold
    assert _counts(caplog.text) == (44, 2)
    assert caplog.text.count("memo entry ignored") == 2
    memo.write_bytes(b"\x00\xff not a memo")
    assert _code(raw, tmp_path / "garbage", cache, codebook) == cold
    shutil.rmtree(cache)
    assert _code(raw, tmp_path / "deleted", cache, codebook) == cold


def test_workers_and_an_edited_codebook(
    tmp_path: Path,
    codebook: Codebook,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = _snapshot(tmp_path / "raw")
    cache = tmp_path / "cache"
    serial = _code(raw, tmp_path / "serial", None, codebook)
    monkeypatch.setattr(reuse, "CODE_HERE", 5)
    monkeypatch.setattr(reuse, "CHUNK", 4)
    caplog.set_level(logging.INFO)
    assert _code(raw, tmp_path / "workers", cache, codebook, jobs=2) == serial
    assert _counts(caplog.text) == (0, 46)
    noted = tmp_path / "noted.yaml"  # a comment changes no rule: everything is reused
    noted.write_text(CODEBOOK.read_text(encoding="utf-8") + "\n# a reviewer's note\n", "utf-8")
    caplog.clear()
    assert _code(raw, tmp_path / "noted", cache, load_codebook(noted), jobs=2) == serial
    assert _counts(caplog.text) == (46, 0)
    edited = tmp_path / "edited.yaml"  # a changed rule: nothing is reused
    text = CODEBOOK.read_text(encoding="utf-8").replace("route_window: 50", "route_window: 10")
    edited.write_text(text, encoding="utf-8")
    caplog.clear()
    narrow = _code(raw, tmp_path / "edited", cache, load_codebook(edited), jobs=2)
    assert _counts(caplog.text) == (0, 46)
    assert narrow == _code(raw, tmp_path / "edited-cold", None, load_codebook(edited))


def test_memo_objects_are_the_dataclass_fields_of_every_shipped_trial() -> None:
    """coded_to_json writes CodedStudy/ArmCoding field by field: it must equal
    dataclasses.asdict (a field added to either class and not to the memo fails here) and
    read back to the same coding."""
    import dataclasses

    from trialsynth.code.inputs import load_input_studies
    from trialsynth.code.study import code_study

    codebook = load_codebook(CODEBOOK)
    for item in load_input_studies([SHIPPED]).values():
        coded = code_study(item.study, codebook, with_arms=True)
        doc = reuse.coded_to_json(coded)
        assert doc == dataclasses.asdict(coded)
        assert list(doc) == [f.name for f in dataclasses.fields(coded)]
        assert reuse.coded_from_json(doc) == coded
