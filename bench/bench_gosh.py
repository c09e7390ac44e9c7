"""GOSH (all 2^k - 1 subsets) with the batched engine against metafor ``gosh()`` in one run.

Simulates one dataset (seed fixed), fits every subset with :func:`trialsynth.meta.gosh.gosh`
(median of repeats) and, when ``Rscript`` with metafor is on PATH, with metafor ``gosh()``
(``bench/bench_gosh_metafor.R``, timed inside R with ``system.time``), then reports both times,
the speed ratio and the largest differences of estimate and I^2 over all subsets.

Usage: ``.venv/bin/python bench/bench_gosh.py [--k 16] [--method FE] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from trialsynth.meta.gosh import gosh

BENCH = Path(__file__).resolve().parent
TIMEOUT_S = 900


def simulate(k: int, seed: int) -> pd.DataFrame:
    """k studies: vi ~ U(.01, .25), yi ~ N(.3, vi + .1)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.25, k)
    return pd.DataFrame({"yi": rng.normal(0.3, np.sqrt(vi + 0.1)), "vi": vi})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--method", default="FE", choices=("FE", "DL"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--skip-r", action="store_true")
    args = parser.parse_args()
    data = simulate(args.k, args.seed)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = gosh(data["yi"].to_numpy(), data["vi"].to_numpy(), method=args.method)
        times.append(time.perf_counter() - start)
    engine = float(np.median(times))
    n = len(ours.subset)
    print(f"GOSH k = {args.k} ({n:,} subsets), method {args.method}")
    print(
        f"engine: median {engine:.3f} s over {args.repeat} runs ({min(times):.3f}-{max(times):.3f})"
    )
    if args.skip_r or shutil.which("Rscript") is None:
        print("metafor: skipped (no Rscript or --skip-r)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "data.csv", Path(tmp) / "gosh.csv"
        data.to_csv(src, index=False)
        proc = subprocess.run(
            ["Rscript", str(BENCH / "bench_gosh_metafor.R"), str(src), args.method, str(out)],
            capture_output=True,
            text=True,
            check=True,
            timeout=TIMEOUT_S,
        )
        r_seconds = float(proc.stdout.strip().splitlines()[-1])
        ref = pd.read_csv(out).set_index("subset").sort_index()
    frame = ours.frame().set_index("subset")
    d_est = float(np.nanmax(np.abs(frame["estimate"] - ref["estimate"])))
    d_i2 = float(np.nanmax(np.abs(frame["I2"] - ref["I2"])))
    print(f"metafor gosh(): {r_seconds:.2f} s")
    print(f"speed ratio: {r_seconds / engine:.0f}x (goal >= 50x)")
    print(f"max |difference| over all {n:,} subsets: estimate {d_est:.1e}, I2 {d_i2:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
