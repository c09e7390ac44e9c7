"""Benchmark of ``trialsynth code``: agreement with expert labels, per field.

Codes every record under ``--records`` without reviewer overrides and compares each field with
``--labels`` (exact match; multi-valued fields as sets). Prints a table (field, agreement n/N,
%) and every disagreement (NCT, field, expected, got) on stdout. Goal: >= 90 % on every field.
Time and memory of coding 10,000 records are measured with linking and screening by
``bench/bench_code_link_screen.py``.

    python bench/bench_code.py --labels tests/fixtures/code/labels.csv \
        --records tests/fixtures/code/records

With ``--arm-labels tests/fixtures/code/arm_labels.csv`` it also measures the free-text arm
coder (``code_arm_label``) against the curated codes of each arm text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trialsynth.code import load_codebook
from trialsynth.code.accuracy import agreement, arm_agreement, read_arm_labels, read_labels
from trialsynth.code.stage import code_inputs

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "analysis" / "codebook.yaml"


def report_agreement(records: Path, labels: Path, codebook_path: Path) -> None:
    """Print the per-field agreement table and the disagreements."""
    codebook = load_codebook(codebook_path)
    coded = code_inputs([records], codebook)
    counts, wrong = agreement(coded, read_labels(labels), codebook.fields)
    print(f"{'field':<20} {'agreement':>10} {'%':>7}")
    for field, (ok, n) in counts.items():
        print(f"{field:<20} {f'{ok}/{n}':>10} {100 * ok / n:>6.1f}%")
    print(f"\ndisagreements ({len(wrong)}):")
    print(f"{'nct_id':<12} {'field':<20} {'expected':<40} got")
    for item in wrong:
        print(f"{item.nct_id:<12} {item.field:<20} {item.expected:<40} {item.got}")


def report_arm_agreement(arm_labels: Path, codebook_path: Path) -> None:
    """Print the per-field agreement of the free-text arm coder and its disagreements."""
    counts, wrong = arm_agreement(read_arm_labels(arm_labels), load_codebook(codebook_path))
    print(f"\narms (free text)      {'agreement':>10} {'%':>7}")
    for field, (ok, n) in counts.items():
        print(f"{field:<20} {f'{ok}/{n}':>10} {100 * ok / n:>6.1f}%")
    print(f"\narm disagreements ({len(wrong)}):")
    for item in wrong:
        print(f"{item.field:<20} {item.expected:<25} {item.got:<25} {item.nct_id[:60]}")


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--labels", type=Path, required=True, help="labels.csv")
    parser.add_argument("--records", type=Path, required=True, help="folder of v2 study JSON")
    parser.add_argument("--codebook", type=Path, default=CODEBOOK)
    parser.add_argument("--arm-labels", type=Path, default=None, help="arm_labels.csv")
    args = parser.parse_args()
    report_agreement(args.records, args.labels, args.codebook)
    if args.arm_labels is not None:
        report_arm_agreement(args.arm_labels, args.codebook)
    return 0


if __name__ == "__main__":
    sys.exit(main())
