"""Benchmark: the whole workflow on a synthetic registry-scale snapshot, per stage.

For each size N in ``--trials`` (with ``--ratio`` x N articles) the script builds a snapshot with
``bench/synth_snapshot.py`` (seed ``--seed``), copies the workflow, the review files and that
snapshot into a scratch folder, and runs ``snakemake --cores C`` there: cold, then a no-op rerun,
then (``--refresh``) a refresh in which 1 % of the trials changed (a new last-update date and a
changed enrollment, as a ``fetch ctgov --since`` merge writes them), run as ``make update`` runs
it (``python -m trialsynth.workflow_update --until outcomes``: ``--until outcomes``, then the
rest, in one process).

Every ``trialsynth`` process the rules start is timed by a shim put first on ``PATH`` that runs
the real command under ``/usr/bin/time`` (wall, user and system seconds and peak resident
memory of that job), so the figures come from the jobs themselves and the rule files are not
touched. Per stage the script prints wall seconds, CPU seconds per 1,000 records of the stage's
input (CPU time does not grow when other work shares the machine; wall time does), and the
peak memory of its largest job.

    python bench/bench_scale.py --trials 1000 5000 10000 20000 [--ratio 2] [--cores 2]
                                [--refresh] [--keep DIR] [--json FILE]
    python bench/bench_scale.py --table-from FILE   # the table of an earlier --json run
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
COPY = ("Snakefile", "environment.yml", "workflow", "analysis")
#: Records a stage reads, for "seconds per 1,000 records" (trials, articles or both).
STAGE_INPUT = {
    "parse ctgov": "trials",
    "parse pubmed": "articles",
    "code": "trials",
    "link": "both",
    "screen": "both",
    "outcomes": "trials",
    "meta": "both",
    # before the figure commands moved under `trialsynth figures` (older --json files)
    "forest": "both",
    "sensitivity-figures": "both",
    "prisma-flow": "both",
    "durability-figure": "both",
    "figures analysis": "both",
    "figures forest": "both",
    "figures sensitivity": "both",
    "figures prisma": "both",
    "figures durability": "both",
    "history": "both",
    "report": "both",
}
#: Subcommands whose stage name is two words (``parse ctgov``, ``figures forest``).
TWO_WORD = ("parse", "figures")
SHIM = """#!/bin/sh
# bench_scale shim: time one trialsynth job (start as epoch seconds; wall, user and system
# seconds, peak RSS KiB).
start=$(date +%s.%N)
exec /usr/bin/time -a -o "$BENCH_SCALE_TIMES" -f "$start %e %U %S %M $*" "$BENCH_SCALE_REAL" "$@"
"""
log = logging.getLogger("bench_scale")


def stage_project(target: Path, raw: Path) -> None:
    """Copy the workflow files into ``target`` and move the snapshot to ``target/data/raw``."""
    for name in COPY:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    (target / "data").mkdir()
    shutil.move(str(raw), target / "data" / "raw")


def stage_name(argv: str) -> str:
    """``parse ctgov`` / ``code`` / ``figures forest`` / ... from the command line recorded by
    the shim."""
    words = [w for w in argv.split() if w not in ("-q", "-v")]
    if words[0] in TWO_WORD and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0]


def snakemake(
    project: Path, cores: int, times: Path, *targets: str, update: bool = False
) -> tuple[float, float]:
    """Run the workflow in ``project`` (``targets``: extra arguments, default the whole
    workflow), or with ``update`` both passes of ``make update`` (``python -m
    trialsynth.workflow_update --until outcomes``); return the start (epoch seconds) and the
    wall time."""
    real = shutil.which("trialsynth", path=str(Path(sys.executable).parent))
    if real is None:
        raise SystemExit("trialsynth is not installed beside this Python")
    shim_dir = project / ".bench-bin"
    shim_dir.mkdir(exist_ok=True)
    shim = shim_dir / "trialsynth"
    shim.write_text(SHIM, encoding="utf-8")
    shim.chmod(0o755)
    path = os.pathsep.join([str(shim_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = dict(os.environ, PATH=path, BENCH_SCALE_TIMES=str(times), BENCH_SCALE_REAL=real)
    epoch, start = time.time(), time.perf_counter()
    options = ["--cores", str(cores), "--quiet"]
    if update:
        command = ["trialsynth.workflow_update", "--until", "outcomes", "--", *options]
    else:
        command = ["snakemake", *options, *(targets or ["all"])]
    subprocess.run(
        [sys.executable, "-m", *command],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return epoch, time.perf_counter() - start


def _records(times: Path) -> list[tuple[float, float, float, float, int, str]]:
    """The shim's records: ``(start epoch s, wall s, user s, system s, peak KiB, argv)``."""
    records = []
    if not times.exists():
        return records
    for line in times.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ", 5)
        if len(parts) < 6 or not parts[0].replace(".", "").isdigit():
            continue  # "Command exited with non-zero status" lines
        start, wall, user, system, kib, argv = parts
        records.append((float(start), float(wall), float(user), float(system), int(kib), argv))
    return records


def read_times(times: Path) -> dict[str, tuple[float, float, float, int]]:
    """``{stage: (summed wall s, summed CPU s, peak MiB, jobs)}`` from the shim's records."""
    stages: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for _start, wall, user, system, kib, argv in _records(times):
        entry = stages[stage_name(argv)]
        entry[0] += wall
        entry[1] += user + system
        entry[2] = max(entry[2], kib / 1024)
        entry[3] += 1
    return {k: (v[0], v[1], v[2], int(v[3])) for k, v in stages.items()}


def read_timeline(times: Path, epoch: float) -> list[tuple[str, float, float]]:
    """Per stage, in the order the stages started: ``(stage, first start, last end)`` in
    seconds from ``epoch`` (the start of the Snakemake command), from the shim's records."""
    spans: dict[str, list[float]] = {}
    for start, wall, _user, _system, _kib, argv in sorted(_records(times)):
        span = spans.setdefault(stage_name(argv), [start - epoch, start - epoch])
        span[1] = max(span[1], start - epoch + wall)
    return [(stage, round(a, 1), round(b, 1)) for stage, (a, b) in spans.items()]


def change_one_percent(raw_ctgov: Path) -> int:
    """Change 1 % of the studies (every 100th): newer last-update date, enrollment + 1; rewrite
    the pages and manifest as a ``--since`` merge does. Returns the number changed."""
    sys.path.insert(0, str(REPO / "bench"))
    from synth_snapshot import rewrite_ctgov

    return rewrite_ctgov(raw_ctgov, every=100)


def run_size(n_trials: int, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    """Build, run cold / no-op / refresh for one size; return the measurements."""
    n_articles = n_trials * args.ratio
    raw = tmp / f"raw-{n_trials}"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "synth_snapshot.py"), "--trials", str(n_trials),
         "--articles", str(n_articles), "--seed", str(args.seed), "--out", str(raw)],
        check=True, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    project = tmp / f"project-{n_trials}"
    project.mkdir()
    stage_project(project, raw)
    # The generator has just written the snapshot (~300 MB at 10,000 trials): flush it before
    # the clock starts, so the timed run does not share the disk with its writeback (one cold
    # run at 5,000 trials waited 10 s for its first job).
    os.sync()
    result: dict[str, object] = {"trials": n_trials, "articles": n_articles}
    cold_times = tmp / f"cold-{n_trials}.txt"
    result["load_before"] = os.getloadavg()[0]
    epoch, result["cold_s"] = snakemake(project, args.cores, cold_times)
    result["load_after"] = os.getloadavg()[0]
    result["stages"] = read_times(cold_times)
    result["cold_timeline"] = read_timeline(cold_times, epoch)
    result["noop_s"] = snakemake(project, args.cores, tmp / f"noop-{n_trials}.txt")[1]
    if args.refresh:
        changed = change_one_percent(project / "data" / "raw" / "ctgov")
        os.sync()  # as above: the rewritten pages are flushed before the clock starts
        refresh_times = tmp / f"refresh-{n_trials}.txt"
        result["refresh_changed"] = changed
        # as `make update` runs it: two passes in one process, the second skips the jobs
        # whose inputs kept their content
        result["refresh_s"] = snakemake(project, args.cores, refresh_times, update=True)[1]
        result["refresh_stages"] = read_times(refresh_times)
    if args.keep:
        shutil.copytree(project / "reports", args.keep / f"reports-{n_trials}", dirs_exist_ok=True)
    shutil.rmtree(project)
    return result


def per_thousand(stage: str, seconds: float, n_trials: int, n_articles: int) -> float:
    kind = STAGE_INPUT.get(stage, "both")
    n = {"trials": n_trials, "articles": n_articles}.get(kind, n_trials + n_articles)
    return seconds / (n / 1000)


def _stage_cell(r: dict[str, Any], stage: str) -> str:
    _wall, cpu, mib, jobs = r["stages"].get(stage, (0.0, 0.0, 0.0, 0))
    if not jobs:
        return "—"
    pk = per_thousand(stage, cpu, int(r["trials"]), int(r["articles"]))
    return f"{cpu:.1f} s = {pk:.2f} /1k ({mib:.0f} MiB{f', {jobs} jobs' if jobs > 1 else ''})"


def report(results: list[dict[str, Any]]) -> None:
    """Print the scaling table (markdown, ready to paste into docs/benchmarks.md)."""
    seen = {stage for r in results for stage in r["stages"]}
    stages = [s for s in STAGE_INPUT if s in seen] + sorted(seen - set(STAGE_INPUT))
    print(
        "\nEach cell: CPU seconds (user + sys) of the stage's jobs = CPU s per 1,000 records of "
        "its input, and the peak RSS of its largest job.\n"
    )
    sizes = [f"{int(r['trials']):,} tr + {int(r['articles']):,} art" for r in results]
    print("| stage (input) | " + " | ".join(sizes) + " |")
    print("|---|" + "---|" * len(results))
    for stage in stages:
        cells = [_stage_cell(r, stage) for r in results]
        print(f"| {stage} ({STAGE_INPUT.get(stage, 'both')}) | " + " | ".join(cells) + " |")

    def row(name: str, cell: Any) -> None:
        print(f"| {name} | " + " | ".join(cell(r) for r in results) + " |")

    def total_cpu(r: dict[str, Any]) -> str:
        cpu = sum(v[1] for v in r["stages"].values())
        n = (int(r["trials"]) + int(r["articles"])) / 1000
        return f"**{cpu:.1f} s** = {cpu / n:.2f} /1k"

    row("**all jobs, CPU**", total_cpu)
    row("cold wall (load avg before → after)", lambda r: (
        f"{r['cold_s']:.1f} s ({r.get('load_before', float('nan')):.1f} → "
        f"{r.get('load_after', float('nan')):.1f})"
    ))  # fmt: skip
    row("no-op wall", lambda r: f"{r['noop_s']:.2f} s")
    if all("refresh_s" in r for r in results):
        row("refresh 1 %: wall / jobs' CPU", lambda r: (
            f"{r['refresh_s']:.1f} s / {sum(v[1] for v in r['refresh_stages'].values()):.1f} s"
        ))  # fmt: skip
    row("largest job", lambda r: f"{max(v[2] for v in r['stages'].values()):.0f} MiB")
    for r in results:
        if r.get("cold_timeline"):
            spans = ", ".join(f"{stage} {a:.1f}–{b:.1f}" for stage, a, b in r["cold_timeline"])
            print(
                f"\nCold run at {int(r['trials']):,} trials, each stage's first start and last "
                f"end (s from the start of snakemake; the run took {r['cold_s']:.1f} s): {spans}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[10_000])
    parser.add_argument("--ratio", type=int, default=2, help="articles per trial")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--refresh", action="store_true", help="also time a 1 %% refresh")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--keep", type=Path, help="copy each size's reports/ here")
    parser.add_argument(
        "--table-from", type=Path, help="print the table of a --json file again and stop"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.table_from:
        report(json.loads(args.table_from.read_text(encoding="utf-8")))
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        for n in args.trials:
            results.append(run_size(n, args, Path(tmp)))
            log.info("%s", json.dumps(results[-1], default=str))
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
