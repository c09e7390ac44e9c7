"""Benchmark: `trialsynth code`, `link` and `screen` on 10,000 records (<= 10 s, <= 1 GiB).

Builds the inputs in a temporary folder by replicating real records under new IDs: the 46
trials and 23 publications of ``tests/fixtures/link`` (``trials.csv``, ``articles.csv``,
from the shipped snapshot) and, for coding, the same 46 CT.gov v2 records of
``tests/fixtures/code/records`` written as ``/studies`` pages of 1,000. In replica ``r`` the
``j``-th distinct NCT ID becomes ``NCT{r:04d}{j:04d}`` and the ``j``-th PMID ``9{r:04d}{j:03d}``,
everywhere it occurs (rows, DataBankList, text mentions, titles and abstracts), so every
replica links exactly as the real records do. Records keep the real trial:publication
proportion (2:1). The steps run as the workflow runs them: ``code`` (``--jobs`` worker
processes), then ``link``, then ``screen`` on the coding just written, each in a child process.
The script reports wall time and peak resident memory per step (``ru_maxrss`` from
``os.wait4``: the largest single process of the step, KiB on Linux; ``code`` runs up to
``--jobs`` workers beside its main process) and the chain's total. Linux carries a parent's
resident size at ``fork`` into the child's ``ru_maxrss``, so the inputs are built in a separate
process and the timing process never imports pandas: the figures are the commands' own.

    python bench/bench_code_link_screen.py [--records 10000] [--repeat 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "link"
RECORDS = REPO / "tests" / "fixtures" / "code" / "records"
CODEBOOK = REPO / "analysis" / "codebook.yaml"
PAGE_SIZE = 1000
PROTOCOL = REPO / "analysis" / "protocol.yaml"
log = logging.getLogger("bench_code_link_screen")


def _read(name: str) -> Any:
    import pandas as pd  # only in the process that builds the inputs (see the module docstring)

    return pd.read_csv(FIXTURES / name, dtype="string", keep_default_na=False, na_values=[""])


def _replace_all(value: object, mapping: dict[str, str]) -> object:
    if not isinstance(value, str):
        return value
    for old, new in mapping.items():
        if old in value:
            value = value.replace(old, new)
    return value


def write_pages(folder: Path, replicas: list[tuple[str, str]]) -> None:
    """Write the CT.gov records ``[(new NCT ID, fixture NCT ID), ...]`` as ``/studies`` pages of
    :data:`PAGE_SIZE` in ``folder`` (each a copy of the fixture record under the new ID)."""
    templates = {p.stem: p.read_text(encoding="utf-8") for p in RECORDS.glob("NCT*.json")}
    folder.mkdir()
    for page, first in enumerate(range(0, len(replicas), PAGE_SIZE), start=1):
        studies = []
        for new_id, original in replicas[first : first + PAGE_SIZE]:
            study = json.loads(templates[original])
            study["protocolSection"]["identificationModule"]["nctId"] = new_id
            studies.append(json.dumps(study, ensure_ascii=False))
        text = '{"studies": [' + ", ".join(studies) + "]}"
        (folder / f"page-{page:04d}.json").write_text(text, encoding="utf-8")


def build_inputs(folder: Path, n_records: int) -> tuple[int, int]:
    """Write the input tables and CT.gov pages with ``n_records`` records; return (trials,
    articles)."""
    trials, articles = _read("trials.csv"), _read("articles.csv")
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
    import pandas as pd

    parts: dict[str, list[pd.DataFrame]] = {"trials": [], "articles": []}
    text_columns = ["databank_nct_ids", "text_nct_ids", "title", "abstract"]
    for r in range(int(replicas)):
        nct_map = {old: f"NCT{r:04d}{j:04d}" for j, old in enumerate(nct_ids)}
        pmid_map = {old: f"9{r:04d}{j:03d}" for j, old in enumerate(pmids)}
        t = trials.copy()
        t["fixture_nct_id"] = t["nct_id"]
        t["nct_id"] = t["nct_id"].map(nct_map)
        a = articles.copy()
        a["pmid"] = a["pmid"].map(pmid_map)
        for col in text_columns:
            a[col] = a[col].map(lambda v, m=nct_map: _replace_all(v, m))
        parts["trials"].append(t)
        parts["articles"].append(a)
    out_trials = pd.concat(parts["trials"]).head(n_trials)
    out_articles = pd.concat(parts["articles"]).head(n_articles)
    fixture_ids = out_trials.pop("fixture_nct_id")
    write_pages(folder / "ctgov", list(zip(out_trials["nct_id"], fixture_ids, strict=True)))
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
    parser.add_argument("--jobs", type=int, default=2, help="trialsynth code --jobs")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if opts.build_only:
        print(*build_inputs(opts.build_only, opts.records))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_code_link_screen_") as tmp:
        folder = Path(tmp)
        built = subprocess.run(
            [sys.executable, __file__, "--records", str(opts.records), "--build-only", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
        n_trials, n_articles = (int(n) for n in built.stdout.split())
        f = {name: str(folder / name) for name in os.listdir(folder)}
        f["coding.csv"] = str(folder / "coding.csv")
        code = [
            "code", "--ctgov", f["ctgov"], "--out", f["coding.csv"],
            "--arms-out", str(folder / "arms.csv"),
            "--codebook", str(CODEBOOK), "--jobs", str(opts.jobs),
        ]  # fmt: skip
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
        steps = {"code": code, "link": link, "screen": screen}
        results: dict[str, list[tuple[float, int]]] = {name: [] for name in steps}
        for _ in range(opts.repeat):
            for name, args in steps.items():
                results[name].append(run_child(args))
        n_studies = sum(1 for _ in (folder / "studies.csv").open(encoding="utf-8")) - 1
        n_coded = sum(1 for _ in (folder / "coding.csv").open(encoding="utf-8")) - 1
    print(
        f"records: {n_trials} trials ({n_coded} coded, --jobs {opts.jobs}) + {n_articles} "
        f"articles -> {n_studies} studies"
    )
    total = [sum(runs[i][0] for runs in results.values()) for i in range(opts.repeat)]
    for name, runs in results.items():
        times = [t for t, _ in runs]
        peak = max(kib for _, kib in runs) / 1024
        print(
            f"{name}: median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}), peak RSS {peak:.0f} MiB"
        )
    peak_all = max(kib for runs in results.values() for _, kib in runs) / 1024
    print(
        f"code + link + screen: median {statistics.median(total):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in total)}); largest process {peak_all:.0f} MiB, "
        f"at most {(opts.jobs + 1) * peak_all:.0f} MiB at once (goal <= 10 s, <= 1024 MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
