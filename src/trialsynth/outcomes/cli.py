"""``trialsynth outcomes``: extract outcomes and write one input table per analysis."""

from __future__ import annotations

import argparse
import logging

from trialsynth.cli_options import add_command, add_output, add_paths, add_protocol_file
from trialsynth.errors import InputError
from trialsynth.link.labels import read_study_labels
from trialsynth.outcomes.stage import extract_outcomes, write_outcomes

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``outcomes`` subcommand."""
    parser = add_command(subparsers, "outcomes", run)
    ctgov = parser.add_mutually_exclusive_group(required=True)
    add_paths(
        ctgov,
        "posted_results",
        "ctgov_raw",
        required=False,
        posted_results="the CT.gov posted results `trialsynth parse ctgov --posted-results` "
        "wrote (.jsonl)",
        ctgov_raw="or the raw CT.gov folder with page-*.json (decodes every page again; the "
        "same rows)",
    )
    add_paths(
        parser,
        "extraction_dir",
        "analyses_dir",
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
    if args.posted_results is not None and args.posted_results.suffix != ".jsonl":
        raise InputError(
            "the posted results are a JSON Lines file named *.jsonl",
            path=args.posted_results,
            hint="pass the file `trialsynth parse ctgov --posted-results` wrote, or the raw "
            "folder with --ctgov-raw",
        )
    outcome_run = extract_outcomes(
        args.posted_results if args.posted_results is not None else args.ctgov_raw,
        args.extraction_dir,
        args.protocol,
        args.coding,
        args.screening,
        args.articles,
        args.codebook,
    )
    specs = outcome_run.specs  # the protocol is read (and validated) once
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
