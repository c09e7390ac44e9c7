"""``trialsynth code``: CT.gov v2 records -> coding.csv."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trialsynth.cli_options import add_command, add_output
from trialsynth.code.codebook import load_codebook
from trialsynth.code.stage import default_jobs, run_coding
from trialsynth.errors import InputError


def register(subparsers: Any) -> None:
    """Add the ``code`` subcommand."""
    parser = add_command(subparsers, "code", run_code)
    parser.add_argument(
        "--ctgov",
        required=True,
        nargs="+",
        type=Path,
        metavar="PATH",
        help="v2 study JSON files, /studies page files, or folders of them",
    )
    add_output(parser, "coding.csv")
    parser.add_argument(
        "--arms-out",
        type=Path,
        default=None,
        help="also code every arm (drug, psychotherapy) and write this table (arms.csv)",
    )
    parser.add_argument(
        "--codebook",
        type=Path,
        default=Path("analysis/codebook.yaml"),
        help="codebook YAML (default: analysis/codebook.yaml)",
    )
    parser.add_argument(
        "--overrides",
        type=Path,
        default=None,
        help="reviewer overrides CSV (nct_id, field, value, reason)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="worker processes, one input file each (default: CPUs available, at most 8)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="DIR",
        help=(
            "memo folder (the workflow's data/cache): reuse the coding of trials whose record, "
            "codebook and package did not change; never changes the tables, safe to delete"
        ),
    )


def run_code(args: argparse.Namespace) -> int:
    """Code trials for drug, route, condition, psychotherapy, design, comparator.

    Code CT.gov v2 study records with the codebook and write coding.csv (one row per NCT ID,
    with the evidence for every value). Reviewer overrides win.
    """
    codebook = load_codebook(args.codebook)
    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}", hint="use --jobs 1")
    run_coding(args.ctgov, codebook, args.out, args.overrides, args.jobs, args.arms_out, args.cache)
    return 0
