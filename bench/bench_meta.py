"""Benchmark of the meta-analysis engine (not a test; numbers go into the report).

1. 10,000 random-effects fits (REML + Q-profile CI for tau^2), k drawn from 5-50, simulated with a
   fixed seed: the batched engine vs a per-dataset PyMARE loop (REML fit + ``get_re_stats``
   Q-profile) and, when ``Rscript`` with metafor is on PATH, vs a metafor ``rma()`` + ``confint()``
   loop (``bench/bench_meta_metafor.R``). Reports wall times, speed-ups and the largest absolute
   differences of estimate, tau^2 and the tau^2 CI.
2. Leave-one-out for k = 200 (median of repeated runs).

Usage: ``.venv/bin/python bench/bench_meta.py [--n 10000] [--seed 20261121] [--skip-r]``
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from trialsynth.meta.batch import fit_batch, pad
from trialsynth.meta.sensitivity import leave_one_out

log = logging.getLogger("bench_meta")


def simulate(n: int, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``n`` datasets: k ~ U{5..50}, vi ~ U(.01, .25), tau^2 ~ U(0, .3), yi ~ N(.3, vi + tau^2)."""
    rng = np.random.default_rng(seed)
    ys, vs = [], []
    for _ in range(n):
        k = int(rng.integers(5, 51))
        vi = rng.uniform(0.01, 0.25, k)
        tau2 = rng.uniform(0.0, 0.3)
        ys.append(rng.normal(0.3, np.sqrt(vi + tau2)))
        vs.append(vi)
    return ys, vs


def run_engine(ys: list[np.ndarray], vs: list[np.ndarray]) -> tuple[float, pd.DataFrame]:
    """Batched fits; returns seconds and the results."""
    start = time.perf_counter()
    y, v, mask = pad(ys, vs)
    fit = fit_batch(y, v, mask, "REML", "z", "normal", 95.0, q_profile=True)
    seconds = time.perf_counter() - start
    res = pd.DataFrame(
        {
            "estimate": fit.pooled.estimate,
            "tau2": fit.tau2,
            "tau2_ci_lb": fit.tau2_ci_lb,
            "tau2_ci_ub": fit.tau2_ci_ub,
        }
    )
    return seconds, res


def run_pymare(ys: list[np.ndarray], vs: list[np.ndarray]) -> tuple[float, pd.DataFrame]:
    """Per-dataset PyMARE REML fit plus its Q-profile CI."""
    from pymare import Dataset
    from pymare.estimators import VarianceBasedLikelihoodEstimator

    rows = []
    start = time.perf_counter()
    for yi, vi in zip(ys, vs, strict=True):
        est = VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(Dataset(y=yi, v=vi))
        summary = est.summary()
        re = summary.get_re_stats()
        rows.append(
            (
                float(summary.fe_params.ravel()[0]),
                float(np.ravel(re["tau^2"])[0]),
                float(np.ravel(re["ci_l"])[0]),
                float(np.ravel(re["ci_u"])[0]),
            )
        )
    seconds = time.perf_counter() - start
    return seconds, pd.DataFrame(rows, columns=["estimate", "tau2", "tau2_ci_lb", "tau2_ci_ub"])


def run_metafor(ys: list[np.ndarray], vs: list[np.ndarray]) -> tuple[float, pd.DataFrame] | None:
    """metafor loop through ``Rscript``; None when R/metafor is unavailable."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        log.warning("Rscript not found: metafor comparison skipped")
        return None
    script = Path(__file__).with_name("bench_meta_metafor.R")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "datasets.csv"
        out = Path(tmp) / "results.csv"
        long = pd.concat(
            pd.DataFrame({"dataset": i, "yi": yi, "vi": vi})
            for i, (yi, vi) in enumerate(zip(ys, vs, strict=True))
        )
        long.to_csv(data, index=False, float_format="%.17g")
        proc = subprocess.run(
            [rscript, str(script), str(data), str(out)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            log.warning("metafor run failed: %s", proc.stderr.strip())
            return None
        seconds = float(proc.stdout.strip().splitlines()[-1])
        res = pd.read_csv(out).sort_values("dataset").reset_index(drop=True)
    return seconds, res.drop(columns="dataset")


def max_abs_diff(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, float]:
    """Largest absolute difference per column."""
    return {c: float(np.nanmax(np.abs(a[c].to_numpy() - b[c].to_numpy()))) for c in a.columns}


def bench_leave_one_out(k: int = 200, repeats: int = 20, seed: int = 7) -> float:
    """Median seconds of a leave-one-out analysis (REML, adhoc) with k studies."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.25, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        leave_one_out(yi, vi, "REML", "adhoc")
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> int:
    """Run the benchmarks and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-pymare", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ys, vs = simulate(args.n, args.seed)
    engine_s, engine = run_engine(ys, vs)
    print(f"datasets: {args.n} (k 5-50, seed {args.seed}); REML + Q-profile CI")
    print(f"engine (batched):  {engine_s:8.3f} s")
    if not args.skip_pymare:
        pymare_s, pymare = run_pymare(ys, vs)
        print(f"PyMARE loop:       {pymare_s:8.3f} s  -> engine {pymare_s / engine_s:6.1f}x faster")
        print(f"  max |engine - PyMARE|: {max_abs_diff(engine, pymare)}")
    if not args.skip_r:
        r = run_metafor(ys, vs)
        if r is not None:
            r_s, metafor = r
            print(f"metafor loop:      {r_s:8.3f} s  -> engine {r_s / engine_s:6.1f}x faster")
            print(f"  max |engine - metafor|: {max_abs_diff(engine, metafor)}")
    loo_s = bench_leave_one_out()
    print(f"leave-one-out, k = 200 (REML, adhoc): median {loo_s * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
