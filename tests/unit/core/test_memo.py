"""The per-record memo: hits only for identical inputs, bad entries recomputed, bounded size."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from trialsynth.memo import RecordMemo, code_fingerprint, record_digest

CONTEXT = {"rules": ["drug A", "drug B"]}
RECORD_1 = {"id": "NCT00000001", "title": "Drug A versus placebo"}
RECORD_2 = {"id": "NCT00000002", "title": "Drug B, open label"}


def _fill(folder: Path, *records: dict[str, str]) -> None:
    memo = RecordMemo(folder, "stage", CONTEXT)
    for record in records:
        key = memo.key(record)
        assert memo.get(key) is None
        memo.put(key, {"title": record["title"].upper(), "n": [1, 2.5, None, True]})
    memo.save()


def test_warm_memo_returns_the_stored_value(tmp_path: Path) -> None:
    _fill(tmp_path, RECORD_1, RECORD_2)
    memo = RecordMemo(tmp_path, "stage", CONTEXT)
    assert memo.get(memo.key(RECORD_1)) == {
        "title": "DRUG A VERSUS PLACEBO",
        "n": [1, 2.5, None, True],
    }
    assert (memo.hits, memo.misses, memo.rejected) == (1, 0, 0)


def test_changed_record_or_context_misses(tmp_path: Path) -> None:
    _fill(tmp_path, RECORD_1)
    memo = RecordMemo(tmp_path, "stage", CONTEXT)
    assert memo.get(memo.key({**RECORD_1, "title": "Drug A versus placebo."})) is None
    other = RecordMemo(tmp_path, "stage", {"rules": ["drug A"]})
    assert other.get(other.key(RECORD_1)) is None
    assert other.key(RECORD_1) != memo.key(RECORD_1)
    assert (memo.misses, other.misses) == (1, 1)


def test_key_is_the_digest_of_the_record_under_the_context() -> None:
    memo = RecordMemo(None, "stage", CONTEXT)
    assert memo.key(RECORD_1) == memo.key_of_digest(record_digest(dict(RECORD_1)))
    assert record_digest(RECORD_1) != record_digest(RECORD_2)
    assert len(code_fingerprint()) == 64


def test_save_keeps_only_the_entries_of_this_run(tmp_path: Path) -> None:
    _fill(tmp_path, RECORD_1, RECORD_2)
    memo = RecordMemo(tmp_path, "stage", CONTEXT)
    assert memo.get(memo.key(RECORD_2)) is not None
    memo.save()
    lines = (tmp_path / "stage.memo").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2  # header + the one record used
    assert lines[1].startswith(memo.key(RECORD_2))
    again = RecordMemo(tmp_path, "stage", CONTEXT)
    assert again.get(again.key(RECORD_1)) is None


def test_edited_value_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _fill(tmp_path, RECORD_1, RECORD_2)
    path = tmp_path / "stage.memo"
    path.write_text(path.read_text(encoding="utf-8").replace("DRUG A", "DRUG C"), "utf-8")
    memo = RecordMemo(tmp_path, "stage", CONTEXT)
    with caplog.at_level(logging.WARNING, logger="trialsynth.memo"):
        assert memo.get(memo.key(RECORD_1)) is None
    assert "checksum does not match" in caplog.text
    assert memo.get(memo.key(RECORD_2))["title"] == "DRUG B, OPEN LABEL"
    assert (memo.hits, memo.misses, memo.rejected) == (1, 1, 1)


def test_truncated_and_garbage_files_are_cold_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _fill(tmp_path, RECORD_1, RECORD_2)
    path = tmp_path / "stage.memo"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) - 40], encoding="utf-8")  # last entry cut short
    with caplog.at_level(logging.WARNING, logger="trialsynth.memo"):
        memo = RecordMemo(tmp_path, "stage", CONTEXT)
        found = [memo.get(memo.key(record)) for record in (RECORD_1, RECORD_2)]
    assert sorted(value is None for value in found) == [False, True]  # the first entry is read
    assert memo.rejected == 1
    path.write_bytes(b"\xff\xfe\x00garbage")
    with caplog.at_level(logging.WARNING, logger="trialsynth.memo"):
        memo = RecordMemo(tmp_path, "stage", CONTEXT)
    assert memo.get(memo.key(RECORD_1)) is None
    assert "cannot be read" in caplog.text
    path.write_text("not a memo\n" + text.split("\n", 1)[1], encoding="utf-8")
    memo = RecordMemo(tmp_path, "stage", CONTEXT)
    assert memo.get(memo.key(RECORD_1)) is None
    assert "not a memo file" in caplog.text


def test_decoder_rejection_is_a_miss(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _fill(tmp_path, RECORD_1)
    memo = RecordMemo(tmp_path, "stage", CONTEXT)
    with caplog.at_level(logging.WARNING, logger="trialsynth.memo"):
        assert memo.get(memo.key(RECORD_1), lambda value: value["missing"]) is None
    assert "'missing'" in caplog.text
    assert (memo.hits, memo.misses, memo.rejected) == (0, 1, 1)


def test_no_folder_missing_folder_and_unwritable_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    off = RecordMemo(None, "stage", CONTEXT)
    off.put(off.key(RECORD_1), 1)
    off.save()
    assert off.get(off.key(RECORD_1)) is None
    nested = tmp_path / "not" / "yet"
    _fill(nested, RECORD_1)
    assert (nested / "stage.memo").is_file()
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    memo = RecordMemo(blocker, "stage", CONTEXT)
    memo.put(memo.key(RECORD_1), 1)
    with caplog.at_level(logging.WARNING, logger="trialsynth.memo"):
        memo.save()
    assert "memo not written" in caplog.text
