"""Issue 8 cases that only show through Snakemake (and make), on scratch copies of the project:
a bad protocol is reported by the package in one line before Snakemake's generic message
(item 12); `make report` recovers after a killed run (item 14); an edited raw page reruns every
stage that reads it, which refuses it (item 6)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workflow_support import run_snakemake, snakemake_env, stage_project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.workflow


def stage(root: Path) -> Path:
    """A scratch copy of the project (rule files, review, shipped snapshot) in ``root``."""
    return stage_project(root)


def snakemake(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_snakemake(project, *args, cores=1)


# item 12 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("syntax", "analysis/protocol.yaml: line "),
        ("empty", "analysis/protocol.yaml: line 1: the file is empty"),
        ("unknown_key", "analysis/protocol.yaml: key (top level): Additional properties"),
        ("bad_pattern", "analysis/protocol.yaml: key analyses[0].match: invalid regular"),
    ],
)
def test_a_bad_protocol_is_named_by_the_package_in_one_line(tmp_path, breakage, expected):
    project = stage(tmp_path)
    protocol = project / "analysis/protocol.yaml"
    text = protocol.read_text(encoding="utf-8")
    if breakage == "syntax":
        protocol.write_text(text.replace("\nmeta:", "\nmeta: [unclosed\nmeta2:", 1))
    elif breakage == "empty":
        protocol.write_text("")
    elif breakage == "unknown_key":
        protocol.write_text(text + "\nanalysis_typo: 1\n")
    else:
        lines = text.splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- id:"))
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        lines.insert(at + 1, f"{indent}  match: 'day (28'\n")
        protocol.write_text("".join(lines))
    run = snakemake(project, "-n")
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert expected in output, output[-3000:]
    assert "not valid JSON or YAML" not in output
    lines = [line for line in output.splitlines() if not line.startswith("Using workflow")]
    assert len(lines) == 1, output  # one line: no traceback, no schema dump


# items 14 and 6 -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recovered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """A project whose first run was killed (SIGKILL) while it held Snakemake's lock, then
    built with `make report` alone."""
    project = stage(tmp_path_factory.mktemp("killed"))
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy2(REPO / name, project / name)
    env = snakemake_env()
    first = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    locks = project / ".snakemake" / "locks"
    deadline = time.monotonic() + 120  # a bound on the wait, not a timing assertion
    while not (locks.is_dir() and any(locks.iterdir())) and first.poll() is None:
        assert time.monotonic() < deadline, "the first run never took its lock"
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert any(locks.iterdir())  # the killed run left its lock behind
    venv = Path(sys.executable).parent.parent
    make = subprocess.run(
        ["make", "-o", str(venv / ".installed-stamp"), f"VENV={venv}", "report"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return project, make


def test_make_report_recovers_after_a_killed_run(recovered):
    project, make = recovered
    assert make.returncode == 0, (make.stdout + make.stderr)[-4000:]
    assert "the lock is stale: running `snakemake --unlock`" in make.stderr
    assert (project / "reports/report.html").stat().st_size > 1000
    locks = project / ".snakemake/locks"
    assert not (locks.is_dir() and any(locks.iterdir()))


def test_an_edited_page_reruns_every_stage_that_reads_it_and_is_refused(recovered):
    project, _ = recovered
    page = project / "data/raw/ctgov/page-0001.json"
    page.write_text(page.read_text("utf-8").replace("TRANSFORM-1", "TRANSFORM-9"), "utf-8")
    dry = snakemake(project, "-n")
    scheduled = {
        line.split()[1].rstrip(":") for line in dry.stdout.splitlines() if line.startswith("rule ")
    }
    assert {"parse_ctgov", "code", "outcomes"} <= scheduled, dry.stdout
    assert "parse_pubmed" not in scheduled
    run = snakemake(project, "--keep-going")
    assert run.returncode != 0
    for rule in ("parse_ctgov", "code"):
        log = (project / "logs" / rule / f"{rule}.log").read_text("utf-8")
        assert f"{page.relative_to(project)}: does not match its sha256" in log, log
        assert "git checkout --" in log and "trialsynth fetch ctgov" in log
