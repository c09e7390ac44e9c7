"""``trialsynth outcomes``: extract outcomes and write one input table per analysis."""

from __future__ import annotations

import argparse
import logging

from trialsynth.outcomes.stage import extract_outcomes, write_outcomes
from trialsynth.protocol import load_protocol

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``outcomes`` subcommand."""
    parser = subparsers.add_parser(
        "outcomes",
        help="extract outcomes (CT.gov posted results, curated sheets) and analysis inputs",
        description=(
            "Read CT.gov posted results and the curated extraction sheets, write outcomes.csv "
            "(every number with its source), analyses/<id>.csv for every analysis of the "
            "protocol (metafor column names) and the exclusions with their reasons."
        ),
    )
    parser.add_argument("--ctgov-raw", required=True, help="folder with CT.gov page-*.json")
    parser.add_argument("--extraction-dir", required=True, help="folder with curated *.csv")
    parser.add_argument("--protocol", required=True, help="analysis/protocol.yaml")
    parser.add_argument("--coding", required=True, help="coding.csv")
    parser.add_argument("--screening", help="screening.csv (studies not included are left out)")
    parser.add_argument(
        "--articles",
        help="articles.csv (parsed PubMed snapshot): verify sheet numbers against the abstracts",
    )
    parser.add_argument(
        "--verification", help="outcome_verification.csv to write (needs --articles)"
    )
    parser.add_argument(
        "--codebook", help="codebook.yaml: code the arms of sheets that carry no arm codes"
    )
    parser.add_argument(
        "--medians", help="median_times.csv to write (median times per arm, never pooled)"
    )
    parser.add_argument("--out", required=True, help="outcomes.csv to write")
    parser.add_argument("--analyses-dir", required=True, help="folder for analyses/<id>.csv")
    parser.add_argument("--exclusions", required=True, help="outcome_exclusions.csv to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the stage; returns the exit status."""
    outcome_run = extract_outcomes(
        args.ctgov_raw,
        args.extraction_dir,
        args.protocol,
        args.coding,
        args.screening,
        args.articles,
        args.codebook,
    )
    specs = load_protocol(args.protocol).get("analyses") or []
    write_outcomes(
        outcome_run,
        args.out,
        args.analyses_dir,
        args.exclusions,
        specs,
        args.verification,
        args.medians,
    )
    if outcome_run.counts.get("verification"):
        log.info("sheet rows against the PubMed snapshot: %s", outcome_run.counts["verification"])
    for spec in specs:
        log.info(
            "wrote %s/%s.csv (k = %d)",
            args.analyses_dir,
            spec["id"],
            len(outcome_run.analyses[spec["id"]]),
        )
    return 0
