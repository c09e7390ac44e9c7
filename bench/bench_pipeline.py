"""Benchmark: cold snapshot -> report, and a no-op rerun, on the shipped snapshot.

Copies the workflow, the review files and the shipped snapshot into a temporary folder, runs
Snakemake there (so the checkout's outputs are untouched), and prints wall times.
Goals (issue "Foundation"): cold <= 60 s, no-op rerun <= 3 s.

    python bench/bench_pipeline.py [--cores 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPY = ("Snakefile", "environment.yml", "workflow", "analysis", "data/raw")
log = logging.getLogger("bench_pipeline")


def stage_project(target: Path) -> None:
    """Copy what a run needs into ``target``."""
    for name in COPY:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def snakemake(project: Path, cores: int, *extra: str) -> float:
    """Run Snakemake in ``project`` and return the wall time in seconds."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), "--quiet", "all", *extra],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cold, noop = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            stage_project(project)
            cold.append(snakemake(project, args.cores))
            noop.append(snakemake(project, args.cores))
    print(
        f"cold snapshot -> report: median {statistics.median(cold):.1f} s  (runs: "
        f"{', '.join(f'{t:.1f}' for t in cold)}; goal <= 60 s)"
    )
    print(
        f"no-op rerun:             median {statistics.median(noop):.2f} s  (runs: "
        f"{', '.join(f'{t:.2f}' for t in noop)}; goal <= 3 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
