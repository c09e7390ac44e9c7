"""Shared by the tests that run the whole workflow through Snakemake (tests/workflow/,
tests/browser/): a scratch copy of the project and one way to call Snakemake on it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def stage_project(root: Path, review: tuple[str, ...] = ("analysis", "data/raw")) -> Path:
    """Copy the rule files, the Snakefile, environment.yml and the review folders ``review``
    (the default review and its shipped snapshot) into ``root``."""
    for name in ("workflow", *review):
        shutil.copytree(REPO / name, root / name)
    for name in ("Snakefile", "environment.yml"):
        shutil.copy2(REPO / name, root / name)
    if (REPO / "profiles").is_symlink():  # where Snakemake finds the workflow profile
        (root / "profiles").symlink_to(os.readlink(REPO / "profiles"))
    return root


def snakemake_env() -> dict[str, str]:
    """The environment of a Snakemake run: this environment's ``trialsynth`` first on PATH and
    the package's log level at WARNING."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env["TRIALSYNTH_LOG_LEVEL"] = "WARNING"
    return env


def run_snakemake(project: Path, *args: str, cores: int = 2) -> subprocess.CompletedProcess[str]:
    """``snakemake --cores N ARGS`` in ``project`` (environment: :func:`snakemake_env`)."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), *args],
        cwd=project,
        env=snakemake_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def output_digests(project: Path) -> dict[str, str]:
    """The sha256 of every file the workflow wrote (``data/processed``, ``reports``), by path."""
    files = [
        p for d in ("data/processed", "reports") for p in (project / d).rglob("*") if p.is_file()
    ]
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
