"""``trialsynth outcomes``: extract outcomes and write one input table per analysis."""

from __future__ import annotations

import argparse
import logging

from trialsynth.cli_options import add_command, add_output, add_paths, add_protocol_file
from trialsynth.link.labels import read_study_labels
from trialsynth.outcomes.stage import extract_outcomes, write_outcomes
from trialsynth.protocol import load_protocol

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``outcomes`` subcommand."""
    parser = add_command(subparsers, "outcomes", run)
    add_paths(
        parser,
        "ctgov_raw",
        "extraction_dir",
        "analyses_dir",
        ctgov_raw="folder with CT.gov page-*.json",
        extraction_dir="folder with curated *.csv",
        analyses_dir="folder for analyses/<id>.csv",
    )
    add_protocol_file(parser)
    add_paths(parser, "coding")
    add_paths(
        parser,
        "screening",
        "articles",
        "codebook",
        "labels",
        required=False,
        screening="screening.csv (studies not included are left out)",
        articles="articles.csv (parsed PubMed snapshot): verify sheet numbers against the "
        "abstracts",
        codebook="codebook.yaml: code the arms of sheets that carry no arm codes",
        labels="study_labels.csv (`trialsynth link --out-labels`): each analysis table's "
        "study_label column",
    )
    add_paths(
        parser,
        "verification",
        "medians",
        required=False,
        verification="outcome_verification.csv to write (needs --articles)",
        medians="median_times.csv to write (median times per arm, never pooled)",
    )
    add_output(parser, "outcomes.csv")
    add_output(parser, "outcome_exclusions.csv", "--exclusions")


def run(args: argparse.Namespace) -> int:
    """Extract outcomes (CT.gov posted results, curated sheets) and analysis inputs.

    Read CT.gov posted results and the curated extraction sheets, write outcomes.csv (every
    number with its source), analyses/<id>.csv for every analysis of the protocol (metafor
    column names) and the exclusions with their reasons.
    """
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
        read_study_labels(args.labels) if args.labels is not None else None,
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
