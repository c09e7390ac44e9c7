"""Benchmark of ``trialsynth code``: agreement with expert labels; time and memory at 10,000.

Agreement (no reviewer overrides): codes every record under ``--records`` and compares each
field with ``--labels`` (exact match; multi-valued fields as sets). Prints a table (field,
agreement n/N, %) and every disagreement (NCT, field, expected, got) on stdout.

Speed (``--speed N``): replicates the records with new NCT IDs (``NCT9xxxxxxx``) into
``/studies`` pages of 1000 in a temporary folder, runs ``trialsynth code`` on the folder in a
child process and reports its wall time and peak resident memory (the child's ``ru_maxrss`` from
``resource.getrusage(RUSAGE_CHILDREN)``, KiB on Linux: the largest single process among the
command and its worker processes, which are one per page up to ``--jobs``). Goal: <= 10 s and
<= 1 GiB at 10,000.

    python bench/bench_coding.py --labels tests/fixtures/coding/labels.csv \
        --records tests/fixtures/coding/records [--speed 10000] [--repeat 3] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from trialsynth.coding import load_codebook
from trialsynth.coding.accuracy import agreement, read_labels
from trialsynth.coding.inputs import load_input_studies
from trialsynth.coding.stage import code_inputs, default_jobs

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "analysis" / "codebook.yaml"
PAGE_SIZE = 1000


def report_agreement(records: Path, labels: Path, codebook_path: Path) -> None:
    """Print the per-field agreement table and the disagreements."""
    coded = code_inputs([records], load_codebook(codebook_path))
    counts, wrong = agreement(coded, read_labels(labels))
    print(f"{'field':<20} {'agreement':>10} {'%':>7}")
    for field, (ok, n) in counts.items():
        print(f"{field:<20} {f'{ok}/{n}':>10} {100 * ok / n:>6.1f}%")
    print(f"\ndisagreements ({len(wrong)}):")
    print(f"{'nct_id':<12} {'field':<20} {'expected':<40} got")
    for item in wrong:
        print(f"{item.nct_id:<12} {item.field:<20} {item.expected:<40} {item.got}")


def build_snapshot(raw: Path, records: Path, n_records: int) -> None:
    """Write ``page-NNNN.json`` files holding ``n_records`` replicated real studies."""
    templates: list[dict[str, Any]] = [
        item.study for item in load_input_studies([records]).values()
    ]
    raw.mkdir(parents=True)
    for page, first in enumerate(range(0, n_records, PAGE_SIZE), start=1):
        studies = []
        for i in range(first, min(first + PAGE_SIZE, n_records)):
            study = templates[i % len(templates)]
            study["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{i:07d}"
            studies.append(json.dumps(study, ensure_ascii=False))
        text = '{"studies": [' + ", ".join(studies) + "]}"
        (raw / f"page-{page:04d}.json").write_text(text, encoding="utf-8")


def run_code(raw: Path, out: Path, codebook_path: Path, jobs: int) -> float:
    """Run ``trialsynth code`` in a child process; return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(
        [
            *(sys.executable, "-m", "trialsynth", "-q", "code", "--ctgov", str(raw)),
            *("--out", str(out), "--codebook", str(codebook_path), "--jobs", str(jobs)),
        ],
        check=True,
    )
    return time.perf_counter() - start


def report_speed(
    records: Path, n_records: int, repeat: int, codebook_path: Path, jobs: int
) -> None:
    """Print wall time (median and all runs) and child peak RSS for ``n_records`` records."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        build_snapshot(raw, records, n_records)
        times = [
            run_code(raw, Path(tmp) / "coding.csv", codebook_path, jobs) for _ in range(repeat)
        ]
        rows = sum(1 for _ in (Path(tmp) / "coding.csv").open(encoding="utf-8")) - 1
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"\ncode {n_records} records ({rows} rows, --jobs {jobs}): "
        f"median {statistics.median(times):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in times)}), "
        f"peak RSS of the largest process {peak_kib / 1024:.0f} MiB"
    )


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--labels", type=Path, required=True, help="labels.csv")
    parser.add_argument("--records", type=Path, required=True, help="folder of v2 study JSON")
    parser.add_argument("--codebook", type=Path, default=CODEBOOK)
    parser.add_argument("--speed", type=int, default=0, help="also time N replicated records")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="trialsynth code --jobs")
    args = parser.parse_args()
    report_agreement(args.records, args.labels, args.codebook)
    if args.speed:
        report_speed(args.records, args.speed, args.repeat, args.codebook, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
