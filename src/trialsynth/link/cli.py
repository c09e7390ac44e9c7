"""``trialsynth link``: registry and publication records joined into studies."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from trialsynth.link.grouping import build_studies
from trialsynth.link.links import build_links
from trialsynth.tables import read_table, write_table

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``link`` subcommand."""
    link = subparsers.add_parser(
        "link",
        help="link registry records and publications into studies",
        description=(
            "Write links.csv (every NCT-PMID link with its evidence) and studies.csv (one row "
            "per study: a trial with its publications, or a publication without a registry "
            "entry)."
        ),
    )
    link.add_argument("--trials", required=True, type=Path, help="trials.csv")
    link.add_argument("--articles", required=True, type=Path, help="articles.csv")
    link.add_argument("--out-links", required=True, type=Path, help="links.csv to write")
    link.add_argument("--out-studies", required=True, type=Path, help="studies.csv to write")
    link.set_defaults(func=run_link)


def run_link(args: argparse.Namespace) -> int:
    """Read the records, write links.csv and studies.csv."""
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
