"""Memory and time of ``trialsynth meta`` as the number of studies grows (issue 8, item 15).

Builds one two-arm count table (RR) per k with a fixed seed, runs the whole command
``trialsynth meta --data T.csv --measure RR --out R.json`` (REML, Knapp-Hartung, HTS interval,
Q-profile CI, Egger, Mantel-Haenszel; leave-one-out in its default ``auto`` mode and, with
``--leave1out yes``, forced) under ``/usr/bin/time -v`` and reports wall time and peak RSS.
Every run has a timeout, so the benchmark is bounded.

Usage: ``.venv/bin/python bench/bench_meta_scale.py [--k 1000 5000 10000 20000] [--leave1out auto]``
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

TIMEOUT_S = 300


def simulate(k: int, seed: int) -> pd.DataFrame:
    """k trials: arms of 20-400, control risk U(.1, .5), log RR ~ N(-.2, .1 + .3^2 / n)."""
    rng = np.random.default_rng(seed)
    n1 = rng.integers(20, 401, k)
    n2 = rng.integers(20, 401, k)
    p2 = rng.uniform(0.1, 0.5, k)
    p1 = np.clip(p2 * np.exp(rng.normal(-0.2, np.sqrt(0.1), k)), 0.01, 0.99)
    ai = rng.binomial(n1, p1)
    ci = rng.binomial(n2, p2)
    return pd.DataFrame(
        {"study": [f"S{i:05d}" for i in range(k)], "ai": ai, "bi": n1 - ai, "ci": ci, "di": n2 - ci}
    )


def run(k: int, leave1out: str, workdir: Path, seed: int) -> tuple[float, float, int]:
    """Seconds, peak RSS in MiB and exit status of one ``trialsynth meta`` run."""
    data = workdir / f"k{k}.csv"
    simulate(k, seed).to_csv(data, index=False)
    trialsynth = shutil.which("trialsynth") or str(Path(sys.executable).parent / "trialsynth")
    command = [
        "/usr/bin/time",
        "-v",
        trialsynth,
        "meta",
        "--data",
        str(data),
        "--measure",
        "RR",
        "--leave1out",
        leave1out,
        "--out",
        str(workdir / f"k{k}.json"),
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr)
    seconds = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            seconds = seconds * 60 + float(part)
    return seconds, (int(rss.group(1)) / 1024 if rss else float("nan")), proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[1000, 5000, 10000, 20000])
    parser.add_argument("--leave1out", default="auto", choices=("auto", "yes", "no"))
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    print(f"trialsynth meta --measure RR --leave1out {args.leave1out} (REML, adhoc, hts)")
    print("| k | wall time | peak RSS | exit |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for k in args.k:
            seconds, mib, status = run(k, args.leave1out, Path(tmp), args.seed)
            print(f"| {k:,} | {seconds:.1f} s | {mib:.0f} MiB | {status} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
