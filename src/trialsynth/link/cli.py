"""``trialsynth link``: registry and publication records joined into studies."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from trialsynth.cli_options import add_command, add_output, add_paths
from trialsynth.link.grouping import build_studies
from trialsynth.link.links import build_links
from trialsynth.tables import read_table, write_table

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``link`` subcommand."""
    parser = add_command(subparsers, "link", run_link)
    add_paths(parser, "trials", "articles")
    add_output(parser, "links.csv", "--out-links")
    add_output(parser, "studies.csv", "--out-studies")


def run_link(args: argparse.Namespace) -> int:
    """Link registry records and publications into studies.

    Write links.csv (every NCT-PMID link with its evidence) and studies.csv (one row per
    study: a trial with its publications, or a publication without a registry entry).
    """
    trials = read_table(args.trials, "trials")
    articles = read_table(args.articles, "articles")
    links = build_links(trials, articles, trials_path=args.trials)
    studies = build_studies(list(trials["nct_id"]), list(articles["pmid"]), links)
    write_table(links, args.out_links, "links")
    write_table(studies, args.out_studies, "studies")
    log.info(
        "%d trial and %d article record(s) -> %d link(s), %d study(ies), %d duplicate(s) merged",
        len(trials),
        len(articles),
        len(links),
        len(studies),
        int(studies["merged_duplicates"].sum()),
    )
    return 0
