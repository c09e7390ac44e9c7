"""``trialsynth parse ctgov`` and ``trialsynth parse pubmed``: raw snapshot -> flat tables."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from trialsynth.parse.ctgov_parse import parse_ctgov, write_trials
from trialsynth.parse.pubmed import XML_READERS, parse_pubmed, write_articles
from trialsynth.parse.skips import SkipLog

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``parse`` subcommand with its ``ctgov`` and ``pubmed`` sources."""
    parser = subparsers.add_parser(
        "parse",
        help="parse raw CT.gov pages or PubMed efetch XML into a table",
        description="Parse a raw snapshot folder into trials.csv (ctgov) or articles.csv (pubmed).",
    )
    sources = parser.add_subparsers(dest="source", metavar="SOURCE", required=True)
    for name, table, helptext, func in (
        ("ctgov", "trials.csv", "CT.gov page-*.json -> trials.csv", run_parse_ctgov),
        ("pubmed", "articles.csv", "PubMed efetch-*.xml -> articles.csv", run_parse_pubmed),
    ):
        sub = sources.add_parser(name, help=helptext, description=helptext)
        sub.add_argument("--raw", required=True, type=Path, help=f"raw {name} snapshot folder")
        sub.add_argument("--out", required=True, type=Path, help=f"output table ({table})")
        sub.add_argument(
            "--skipped",
            type=Path,
            default=None,
            help="also write the records left out (source_file, record, reason) to this CSV",
        )
        if name == "pubmed":
            sub.add_argument(
                "--xml-reader",
                choices=XML_READERS,
                default="stream",
                help="efetch XML reader: the fast standard-library one (default) or Bio.Entrez; "
                "both give the same table",
            )
        sub.set_defaults(func=func)


def _finish(args: argparse.Namespace, skips: SkipLog, n_rows: int) -> int:
    if args.skipped is not None:
        skips.write(args.skipped)
    for reason, count in sorted(skips.counts().items()):
        log.info("skipped %d record(s): %s", count, reason)
    log.info("wrote %s (%d rows, %d records skipped)", args.out, n_rows, len(skips))
    return 0


def run_parse_ctgov(args: argparse.Namespace) -> int:
    """Parse the CT.gov pages and write ``trials.csv`` (and the skipped records)."""
    skips = SkipLog()
    trials = parse_ctgov(args.raw, skips)
    write_trials(trials, args.out)
    return _finish(args, skips, len(trials))


def run_parse_pubmed(args: argparse.Namespace) -> int:
    """Parse the PubMed efetch files and write ``articles.csv`` (and the skipped records)."""
    skips = SkipLog()
    articles = parse_pubmed(args.raw, skips, xml_reader=args.xml_reader)
    write_articles(articles, args.out)
    return _finish(args, skips, len(articles))
