"""Issue 8, item 14: the lock a killed Snakemake run leaves is released only when no Snakemake
process works in the folder (the whole recovery through `make report` is in
tests/workflow/test_faults.py)."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trialsynth.workflow_lock import (
    _is_snakemake,
    lock_files,
    release_stale_lock,
    snakemake_processes,
)

#: Stands in for `snakemake --unlock`: removes the lock files as Snakemake does.
UNLOCK = [sys.executable, "-c", "import shutil; shutil.rmtree('.snakemake/locks')"]


def locked(folder: Path) -> Path:
    locks = folder / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("data/raw/ctgov/manifest.json\n")
    (locks / "0.output.lock").write_text("data/processed/trials.csv\n")
    return locks


def test_no_lock_means_nothing_to_do(tmp_path):
    assert release_stale_lock(tmp_path, [sys.executable, "-c", "raise SystemExit(9)"]) == 0


def test_a_stale_lock_is_released(tmp_path, caplog):
    locked(tmp_path)
    caplog.set_level(logging.WARNING)
    assert release_stale_lock(tmp_path, UNLOCK) == 0
    assert lock_files(tmp_path) == []
    assert "the lock is stale" in caplog.text and "0.input.lock" in caplog.text


def test_a_live_run_in_the_folder_keeps_its_lock_and_is_named(tmp_path, caplog):
    locks = locked(tmp_path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    # a process whose command line is `snakemake ...`, working in the locked folder
    live = subprocess.Popen(["bash", "-c", "exec -a snakemake sleep 60"], cwd=tmp_path)
    away = subprocess.Popen(["bash", "-c", "exec -a snakemake sleep 60"], cwd=other)
    try:
        deadline = time.monotonic() + 30  # bounds the wait for exec; asserts no timing
        while live.pid not in snakemake_processes(tmp_path):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert away.pid not in snakemake_processes(tmp_path)
        caplog.set_level(logging.ERROR)
        assert release_stale_lock(tmp_path, UNLOCK) == 1
        assert sorted(p.name for p in locks.iterdir()) == ["0.input.lock", "0.output.lock"]
        assert f"process {live.pid}" in caplog.text and f"kill {live.pid}" in caplog.text
    finally:
        live.kill()
        away.kill()
        live.wait()
        away.wait()
    assert release_stale_lock(tmp_path, UNLOCK) == 0  # once it is gone, the lock is stale


@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        (["/x/.venv/bin/snakemake", "--cores", "2"], True),
        (["/usr/bin/python3", "-m", "snakemake", "-n"], True),
        (["/usr/bin/python3", "-m", "pytest", "tests/snakemake_test.py"], False),
        (["make", "report"], False),
    ],
)
def test_what_counts_as_a_snakemake_process(cmdline, expected):
    assert _is_snakemake(cmdline) is expected
