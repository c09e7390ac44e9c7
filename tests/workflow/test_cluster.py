"""Running the workflow as a user and as a cluster would.

- Plain ``snakemake`` from the project root, with no ``--cores`` and without the virtual
  environment on ``PATH``: the workflow profile (``profiles/default``) and the rules' fallback to
  the ``trialsynth`` beside Snakemake's Python make it work.
- The same workflow through Snakemake's generic cluster executor, with a submit script that
  starts every job as its own detached process (as a scheduler does): its tables, results and
  figures are byte-identical to the local run, so no job relies on state outside its declared
  inputs.
- ``snakemake --profile workflow/profiles/slurm -n``: the SLURM profile is complete and its
  executor plugin (the ``cluster`` extra) is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_support import output_digests, stage_project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.workflow
#: The submit script of the generic cluster executor: run the job script Snakemake wrote as a
#: detached process of its own and print a job id, as ``sbatch`` would.
SUBMIT = """#!/bin/sh
jobscript="$1"
setsid sh "$jobscript" > "$jobscript.out" 2>&1 < /dev/null &
echo "$!"
"""


def _stage(root: Path) -> Path:
    stage_project(root)
    shutil.copy2(REPO / "constraints.txt", root / "constraints.txt")
    return root


def _plain_env() -> dict[str, str]:
    """The environment of a user who did not activate the virtual environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != Path(sys.executable).parent
    )
    env["TRIALSYNTH_LOG_LEVEL"] = "WARNING"
    return env


def _snakemake(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=project,
        env=_plain_env(),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = _stage(tmp_path_factory.mktemp("local") / "project")
    assert shutil.which("trialsynth", path=_plain_env()["PATH"]) is None
    run = _snakemake(project)  # no --cores: the workflow profile gives them
    assert run.returncode == 0, run.stderr[-4000:]
    assert "workflow specific profile profiles/default" in run.stderr
    return project


def test_plain_snakemake_runs_without_an_activated_environment(local: Path) -> None:
    assert (local / "reports" / "report.html").stat().st_size > 10_000
    dry = _snakemake(local, "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_cluster_jobs_as_separate_processes_give_the_same_bytes(
    local: Path, tmp_path: Path
) -> None:
    project = _stage(tmp_path / "project")
    submit = tmp_path / "submit.sh"
    submit.write_text(SUBMIT, encoding="utf-8")
    submit.chmod(0o755)
    run = _snakemake(
        project,
        "--executor", "cluster-generic",
        "--cluster-generic-submit-cmd", str(submit),
        "--jobs", "4",
        "--latency-wait", "60",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    assert "cluster-generic" in run.stderr
    assert output_digests(project) == output_digests(local)


def test_slurm_profile_dry_run(local: Path) -> None:
    dry = _snakemake(local, "--profile", "workflow/profiles/slurm", "-n", "--forceall")
    assert dry.returncode == 0, dry.stderr[-4000:]
    out = dry.stdout + dry.stderr
    assert "rule report:" in out and "rule history:" in out
