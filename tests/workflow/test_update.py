"""``make update`` (``python -m trialsynth.workflow_update``) after a registry update, on the
shipped snapshot in a scratch copy of the project.

The two passes run in one process: the first up to ``outcomes``, the second the rest. A trial
whose record changed (a newer last-update date, one more participant enrolled, as a ``fetch
ctgov --since`` merge writes it) reruns the record stages, the history and the report, and no
analysis, figure or pooled result whose table kept its bytes; afterwards there is nothing left
to do. A first pass that fails stops the command with its status.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench_support import synth_snapshot
from workflow_support import output_digests, run_snakemake, snakemake_env, stage_project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.workflow


def run_update(project: Path, *until: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "trialsynth.workflow_update",
            "--until",
            *until,
            "--",
            "--cores",
            "2",
        ],
        cwd=project,
        env=snakemake_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def mtimes(project: Path, folder: str) -> dict[str, int]:
    return {
        str(p.relative_to(project)): p.stat().st_mtime_ns
        for p in (project / folder).rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    project = stage_project(tmp_path_factory.mktemp("update"))
    cold = run_snakemake(project)
    assert cold.returncode == 0, cold.stderr[-4000:]
    before = {
        "digests": output_digests(project),
        "tables": mtimes(project, "reports/tables"),
        "figures": mtimes(project, "reports/figures"),
        "report": (project / "reports/report.html").stat().st_mtime_ns,
    }
    changed = synth_snapshot().rewrite_ctgov(project / "data/raw/ctgov", every=20)
    run = run_update(project, "outcomes")
    return {"project": project, "before": before, "changed": changed, "run": run}


def test_update_runs_both_passes_and_leaves_nothing_to_do(updated: dict[str, object]) -> None:
    run = updated["run"]
    assert isinstance(run, subprocess.CompletedProcess)
    assert run.returncode == 0, run.stderr[-4000:]
    assert updated["changed"] == 3  # 46 trials, every 20th
    assert run.stderr.count("Building DAG of jobs") == 2  # two passes, one process
    project = updated["project"]
    assert isinstance(project, Path)
    dry = run_snakemake(project, "-n")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_update_reruns_only_what_the_changed_records_reach(updated: dict[str, object]) -> None:
    project, before = updated["project"], updated["before"]
    assert isinstance(project, Path) and isinstance(before, dict)
    after = output_digests(project)
    analyses = [p for p in before["digests"] if p.startswith("data/processed/analyses/")]
    assert analyses
    kept = [p for p in analyses if after[p] == before["digests"][p]]
    assert kept, "no analysis table kept its bytes: the test no longer shows what it should"
    now_tables, now_figures = mtimes(project, "reports/tables"), mtimes(project, "reports/figures")
    for table in kept:
        analysis = Path(table).stem
        result = f"reports/tables/{analysis}.json"
        assert now_tables[result] == before["tables"][result], f"{analysis}: meta reran"
        for figure, stamp in before["figures"].items():
            if f"_{analysis}" in figure:
                assert now_figures[figure] == stamp, f"{figure}: redrawn"
    # the record stages, the history and the report did rerun, and the report says what changed
    assert after["data/processed/trials.csv"] != before["digests"]["data/processed/trials.csv"]
    assert (project / "reports/report.html").stat().st_mtime_ns > before["report"]
    changes = json.loads((project / "reports/history/changes.json").read_text(encoding="utf-8"))
    assert changes["counts"]["studies_updated"] == updated["changed"]


def test_a_failing_first_pass_stops_the_update(updated: dict[str, object]) -> None:
    project = updated["project"]
    assert isinstance(project, Path)
    run = run_update(project, "no_such_rule")
    assert run.returncode != 0
    assert "pass 1 of 2" in run.stderr
    assert run.stderr.count("Building DAG of jobs") <= 1


#: Runs Snakemake's command line in this process, then prints its exit status and how many
#: ``threading.Timer`` threads are still waiting (the interpreter would wait for them at exit).
COUNT_WAITING_TIMERS = """
import sys, threading
from snakemake.cli import main
try:
    main(sys.argv[1:])
except SystemExit as end:
    status = end.code
waiting = [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]
print(status, len(waiting))
"""


def test_a_finished_run_leaves_no_scheduler_timer_waiting(updated: dict[str, object]) -> None:
    """The workflow's onsuccess hook cancels the re-evaluation timer Snakemake's scheduler
    starts after every round (about a second of waiting at the exit of every run)."""
    project = updated["project"]
    assert isinstance(project, Path)
    run = subprocess.run(
        [sys.executable, "-c", COUNT_WAITING_TIMERS, "--cores", "2", "--forcerun", "report"],
        cwd=project,
        env=snakemake_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.stdout.split() == ["0", "0"], run.stderr[-4000:]
