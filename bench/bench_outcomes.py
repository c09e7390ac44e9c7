"""Benchmark: ``trialsynth outcomes`` on a large snapshot of studies with posted results.

Builds a raw snapshot in a temporary folder by replicating the ten real records of
``tests/fixtures/outcomes/ctgov`` (eight with posted results) with new NCT IDs
(``NCT9xxxxxxx``), in pages of 1000, and a coding table for every copy; then runs the
command in a child process and reports its wall time and peak resident memory (the child's
``ru_maxrss``, KiB on Linux).

    python bench/bench_outcomes.py [--records 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import logging
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "outcomes"
log = logging.getLogger("bench_outcomes")


def build_snapshot(folder: Path, records: int, page_size: int = 1000) -> None:
    """Write ``records`` studies (copies of the fixture records) and their coding rows."""
    base = json.loads((FIXTURES / "ctgov" / "page-0001.json").read_text(encoding="utf-8"))
    with (FIXTURES / "coding.csv").open(encoding="utf-8") as handle:
        coding = {row["nct_id"]: row for row in csv.DictReader(handle)}
    raw = folder / "raw"
    raw.mkdir(parents=True)
    studies, coded = [], []
    for i in range(records):
        study = copy.deepcopy(base["studies"][i % len(base["studies"])])
        ident = study["protocolSection"]["identificationModule"]
        original = ident["nctId"]
        ident["nctId"] = f"NCT9{i:07d}"
        studies.append(study)
        coded.append({**coding[original], "nct_id": ident["nctId"]})
    for page, start in enumerate(range(0, records, page_size), start=1):
        body = {"studies": studies[start : start + page_size]}
        (raw / f"page-{page:04d}.json").write_text(json.dumps(body), encoding="utf-8")
    with (folder / "coding.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(coded[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(coded)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_snapshot(folder, args.records)
        command = [
            sys.executable, "-m", "trialsynth", "-q", "outcomes",
            "--ctgov-raw", str(folder / "raw"),
            "--extraction-dir", str(REPO / "analysis" / "extraction"),
            "--protocol", str(FIXTURES / "protocol.yaml"),
            "--coding", str(folder / "coding.csv"),
            "--out", str(folder / "out" / "outcomes.csv"),
            "--analyses-dir", str(folder / "out" / "analyses"),
            "--exclusions", str(folder / "out" / "outcome_exclusions.csv"),
        ]  # fmt: skip
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(command, check=True, cwd=REPO)
            times.append(time.perf_counter() - start)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with (folder / "out" / "outcomes.csv").open(encoding="utf-8") as handle:
            n_rows = sum(1 for _ in handle) - 1
        print(
            f"trialsynth outcomes: {args.records} studies, {n_rows} outcome rows: "
            f"median {statistics.median(times):.2f} s over {args.repeat} runs "
            f"(min {min(times):.2f} s), peak RSS {peak_mib:.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
