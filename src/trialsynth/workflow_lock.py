"""Recover from a Snakemake run that was killed: release its lock when nothing holds it.

Snakemake locks the working directory with files in ``.snakemake/locks/`` and removes them
when it ends; a run that is killed (SIGKILL, a closed terminal, an out-of-memory kill) leaves
them behind, and every later run stops with "Directory cannot be locked". ``make report``
calls :func:`main` first: when lock files exist and no Snakemake process works in the
directory, the lock is stale and ``snakemake --unlock`` releases it; when a Snakemake process
does work there, the run stops and says which process it is and what to do.

Usage::

    python -m trialsynth.workflow_lock [--directory DIR]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import psutil

from trialsynth.log import configure_logging

log = logging.getLogger(__name__)

LOCKS = Path(".snakemake") / "locks"


def lock_files(workdir: Path) -> list[Path]:
    """The lock files Snakemake left in ``workdir`` (none when no run holds or held a lock)."""
    folder = workdir / LOCKS
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def _is_snakemake(cmdline: Sequence[str]) -> bool:
    """True for ``snakemake ...`` and ``python -m snakemake ...`` command lines."""
    for position, arg in enumerate(cmdline[:3]):
        name = Path(arg).name
        if name.startswith("snakemake") or (
            arg == "snakemake" and position > 0 and cmdline[position - 1] == "-m"
        ):
            return True
    return False


def snakemake_processes(workdir: Path) -> list[int]:
    """Process IDs of the live Snakemake processes whose working directory is ``workdir``
    (this process excluded; processes of other users that cannot be inspected are skipped)."""
    target = workdir.resolve()
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = proc.info["cmdline"] or []
            if proc.pid == os.getpid() or not _is_snakemake(cmdline):
                continue
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if Path(proc.cwd()).resolve() == target:
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return sorted(found)


def release_stale_lock(workdir: Path, snakemake: Sequence[str]) -> int:
    """Unlock ``workdir`` when its lock is stale; return the exit status for ``make``.

    Returns 0 when there is no lock or the stale lock was released, 1 when a live Snakemake
    process holds the directory (nothing is changed then), or the status of a failed unlock.
    """
    locks = lock_files(workdir)
    if not locks:
        return 0
    running = snakemake_processes(workdir)
    if running:
        pids = " ".join(str(pid) for pid in running)
        log.error(
            "%s is locked by a Snakemake run that is still going (process %s); wait for it to "
            "finish, or stop it with `kill %s` and run the command again",
            workdir,
            pids,
            pids,
        )
        return 1
    log.warning(
        "%s: a previous Snakemake run was stopped before it could remove its lock (%s); no "
        "Snakemake process works here, so the lock is stale: running `snakemake --unlock`",
        workdir,
        ", ".join(str(p.relative_to(workdir)) for p in locks),
    )
    done = subprocess.run([*snakemake, "--unlock"], cwd=workdir, check=False)
    if done.returncode != 0:
        log.error(
            "`snakemake --unlock` failed (exit status %d); remove %s by hand once no run is going",
            done.returncode,
            workdir / LOCKS,
        )
    return done.returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: release a stale lock of the workflow in ``--directory`` (default: here)."""
    parser = argparse.ArgumentParser(
        prog="python -m trialsynth.workflow_lock",
        description="Release the lock a killed Snakemake run left, when no run holds it.",
    )
    parser.add_argument("--directory", type=Path, default=Path.cwd(), metavar="DIR")
    args = parser.parse_args(argv)
    configure_logging()
    return release_stale_lock(args.directory, [sys.executable, "-m", "snakemake"])


if __name__ == "__main__":
    sys.exit(main())
