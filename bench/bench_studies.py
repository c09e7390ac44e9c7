"""Benchmark: `trialsynth link` + `trialsynth screen` on 10,000 records (<= 10 s, <= 1 GiB).

Builds ``trials.csv``, ``articles.csv`` and ``coding.csv`` in a temporary folder by replicating
the real records of ``tests/fixtures/studies`` (46 trials and 23 publications from the shipped
snapshot, with the expert coding) under new IDs: in replica ``r`` the ``j``-th distinct NCT ID
becomes ``NCT{r:04d}{j:04d}`` and the ``j``-th PMID ``9{r:04d}{j:03d}``, everywhere it occurs
(rows, DataBankList, text mentions, titles and abstracts), so every replica links exactly as the
real records do. Records keep the real trial:publication proportion (2:1). Each command runs in
a child process; the script reports its wall time and peak resident memory (``ru_maxrss`` of
that child from ``os.wait4``, KiB on Linux).

    python bench/bench_studies.py [--records 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "studies"
PROTOCOL = REPO / "analysis" / "protocol.yaml"
log = logging.getLogger("bench_studies")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name, dtype="string", keep_default_na=False, na_values=[""])


def _replace_all(value: object, mapping: dict[str, str]) -> object:
    if not isinstance(value, str):
        return value
    for old, new in mapping.items():
        if old in value:
            value = value.replace(old, new)
    return value


def build_inputs(folder: Path, n_records: int) -> tuple[int, int]:
    """Write the three input tables with ``n_records`` records; return (trials, articles)."""
    trials, articles, coding = _read("trials.csv"), _read("articles.csv"), _read("coding.csv")
    nct_ids = sorted(
        set(trials["nct_id"])
        | {n for cell in articles["databank_nct_ids"].dropna() for n in cell.split(";")}
        | {n for cell in articles["text_nct_ids"].dropna() for n in cell.split(";")}
    )
    pmids = sorted(set(articles["pmid"]), key=int)
    per_replica = len(trials) + len(articles)
    n_trials = round(n_records * len(trials) / per_replica)
    n_articles = n_records - n_trials
    replicas = -(-max(n_trials / len(trials), n_articles / len(articles)) // 1)
    parts: dict[str, list[pd.DataFrame]] = {"trials": [], "articles": [], "coding": []}
    text_columns = ["databank_nct_ids", "text_nct_ids", "title", "abstract"]
    for r in range(int(replicas)):
        nct_map = {old: f"NCT{r:04d}{j:04d}" for j, old in enumerate(nct_ids)}
        pmid_map = {old: f"9{r:04d}{j:03d}" for j, old in enumerate(pmids)}
        t = trials.copy()
        t["nct_id"] = t["nct_id"].map(nct_map)
        a = articles.copy()
        a["pmid"] = a["pmid"].map(pmid_map)
        for col in text_columns:
            a[col] = a[col].map(lambda v, m=nct_map: _replace_all(v, m))
        c = coding.copy()
        c["nct_id"] = c["nct_id"].map(nct_map)
        parts["trials"].append(t)
        parts["articles"].append(a)
        parts["coding"].append(c)
    out_trials = pd.concat(parts["trials"]).head(n_trials)
    out_articles = pd.concat(parts["articles"]).head(n_articles)
    pd.concat(parts["coding"]).to_csv(folder / "coding.csv", index=False)
    out_trials.to_csv(folder / "trials.csv", index=False)
    out_articles.to_csv(folder / "articles.csv", index=False)
    (folder / "overrides.csv").write_text("study_id,decision,reason,note\n", encoding="utf-8")
    return len(out_trials), len(out_articles)


def run_child(args: list[str]) -> tuple[float, int]:
    """Run ``trialsynth ARGS`` in a child; return (wall seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "trialsynth", "-q", *args])
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"trialsynth {args[0]} failed with exit status {proc.returncode}")
    return elapsed, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench_studies_") as tmp:
        folder = Path(tmp)
        n_trials, n_articles = build_inputs(folder, opts.records)
        f = {name: str(folder / name) for name in os.listdir(folder)}
        link = [
            "link", "--trials", f["trials.csv"], "--articles", f["articles.csv"],
            "--out-links", str(folder / "links.csv"), "--out-studies", str(folder / "studies.csv"),
        ]  # fmt: skip
        screen = [
            "screen", "--studies", str(folder / "studies.csv"), "--trials", f["trials.csv"],
            "--articles", f["articles.csv"], "--coding", f["coding.csv"],
            "--protocol", str(PROTOCOL), "--overrides", f["overrides.csv"],
            "--out", str(folder / "screening.csv"), "--prisma", str(folder / "prisma.json"),
        ]  # fmt: skip
        results: dict[str, list[tuple[float, int]]] = {"link": [], "screen": []}
        for _ in range(opts.repeat):
            results["link"].append(run_child(link))
            results["screen"].append(run_child(screen))
        n_studies = sum(1 for _ in (folder / "studies.csv").open(encoding="utf-8")) - 1
    print(f"records: {n_trials} trials + {n_articles} articles -> {n_studies} studies")
    total = [lt + st for (lt, _), (st, _) in zip(results["link"], results["screen"], strict=True)]
    for name, runs in results.items():
        times = [t for t, _ in runs]
        peak = max(kib for _, kib in runs) / 1024
        print(
            f"{name}: median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}), peak RSS {peak:.0f} MiB"
        )
    print(f"link + screen: median {statistics.median(total):.2f} s (goal <= 10 s, <= 1024 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
