"""Run every benchmark behind docs/benchmarks.md, one after the other (``make bench``).

Each benchmark prints its own figures; this script only runs them in order and stops at the
first failure. Timings are measurements, never pass/fail criteria.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RUNS: tuple[tuple[str, ...], ...] = (
    ("bench_fetch.py",),
    ("bench_parse.py",),
    ("bench_parse.py", "--source", "pubmed", "--page-size", "500"),
    (
        "bench_code.py",
        "--labels",
        "tests/fixtures/code/labels.csv",
        "--records",
        "tests/fixtures/code/records",
    ),
    ("bench_code_link_screen.py",),
    ("bench_outcomes.py", "--records", "1000"),
    ("bench_meta.py",),
    ("bench_meta_scale.py",),
    ("bench_gosh.py",),
    ("bench_pipeline.py",),
    ("bench_scale.py", "--trials", "1000", "5000", "10000", "20000", "--refresh"),
)


def main() -> int:
    for script, *args in RUNS:
        command = [sys.executable, str(BENCH / script), *args]
        sys.stderr.write(f"\n== {' '.join([script, *args])}\n")
        subprocess.run(command, cwd=REPO, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
