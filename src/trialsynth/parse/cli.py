"""``trialsynth parse ctgov`` and ``trialsynth parse pubmed``: raw snapshot -> flat tables."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from trialsynth.cli_options import add_command, add_command_group, add_output, add_paths
from trialsynth.parse.ctgov_parse import parse_ctgov_snapshot, write_trials
from trialsynth.parse.posted_results import write_posted_results
from trialsynth.parse.pubmed import XML_READERS, parse_pubmed, write_articles
from trialsynth.parse.skips import SkipLog

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``parse`` subcommand with its ``ctgov`` and ``pubmed`` sources."""
    sources = add_command_group(
        subparsers,
        "parse",
        "Parse raw CT.gov pages or PubMed efetch XML into a table",
        "source",
        "Parse a raw snapshot folder into trials.csv (ctgov) or articles.csv (pubmed).",
    )
    for name, table, func in (
        ("ctgov", "trials.csv", run_parse_ctgov),
        ("pubmed", "articles.csv", run_parse_pubmed),
    ):
        sub = add_command(sources, name, func)
        add_paths(
            sub,
            "raw",
            raw=f"raw {name} snapshot folder",
        )
        add_output(sub, table)
        add_paths(
            sub,
            "skipped",
            required=False,
            skipped="also write the records left out (source_file, record, reason) to this CSV",
        )
        if name == "ctgov":
            add_paths(
                sub,
                "posted_results",
                required=False,
                posted_results="also write the posted results of every kept study (JSON "
                "Lines: NCT ID, acronym, outcome measures), which `trialsynth outcomes "
                "--posted-results` reads instead of the pages",
            )
        if name == "pubmed":
            sub.add_argument(
                "--xml-reader",
                choices=XML_READERS,
                default="stream",
                help="efetch XML reader: the fast standard-library one (default) or Bio.Entrez; "
                "both give the same table",
            )


def _finish(args: argparse.Namespace, skips: SkipLog, n_rows: int) -> int:
    if args.skipped is not None:
        skips.write(args.skipped)
    for reason, count in sorted(skips.counts().items()):
        log.info("skipped %d record(s): %s", count, reason)
    log.info("wrote %s (%d rows, %d records skipped)", args.out, n_rows, len(skips))
    return 0


def run_parse_ctgov(args: argparse.Namespace) -> int:
    """CT.gov page-*.json -> trials.csv (and the records left out, with --skipped; the posted
    results, with --posted-results)."""
    skips = SkipLog()
    parsed = parse_ctgov_snapshot(args.raw, skips)
    write_trials(parsed.trials, args.out)
    if args.posted_results is not None:
        n_studies = write_posted_results(parsed.posted_results, args.posted_results)
        log.info("wrote %s (%d studies)", args.posted_results, n_studies)
    return _finish(args, skips, len(parsed.trials))


def run_parse_pubmed(args: argparse.Namespace) -> int:
    """PubMed efetch-*.xml -> articles.csv (and the records left out, with --skipped)."""
    skips = SkipLog()
    articles = parse_pubmed(args.raw, skips, xml_reader=args.xml_reader)
    write_articles(articles, args.out)
    return _finish(args, skips, len(articles))
