"""``trialsynth link``: registry and publication records joined into studies."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.cli_options import add_command, add_output, add_paths
from trialsynth.link.grouping import build_studies
from trialsynth.link.labels import study_labels
from trialsynth.link.links import build_links
from trialsynth.tables import frame_records, read_table, write_table

log = logging.getLogger(__name__)

#: The columns linking and labelling read (the abstracts and other texts are not parsed).
TRIAL_COLUMNS = ("nct_id", "acronym", "references")
ARTICLE_COLUMNS = ("pmid", "title", "authors", "year", "databank_nct_ids", "text_nct_ids")


def register(subparsers: Any) -> None:
    """Add the ``link`` subcommand."""
    parser = add_command(subparsers, "link", run_link)
    add_paths(parser, "trials", "articles")
    add_output(parser, "links.csv", "--out-links")
    add_output(parser, "studies.csv", "--out-studies")
    parser.add_argument(
        "--out-labels",
        type=Path,
        default=None,
        help="study_labels.csv to write (the author-year label of every study, for the figures)",
    )


def labels_frame(
    studies: pd.DataFrame, articles: pd.DataFrame, trials: pd.DataFrame
) -> pd.DataFrame:
    """study_labels.csv: :func:`trialsynth.link.labels.study_labels` by study ID, sorted."""
    labels = study_labels(frame_records(studies), frame_records(articles), frame_records(trials))
    return pd.DataFrame(sorted(labels.items()), columns=["study_id", "label"], dtype="string")


def run_link(args: argparse.Namespace) -> int:
    """Link registry records and publications into studies.

    Write links.csv (every NCT-PMID link with its evidence) and studies.csv (one row per
    study: a trial with its publications, or a publication without a registry entry).
    """
    trials = read_table(args.trials, "trials", columns=TRIAL_COLUMNS)
    articles = read_table(args.articles, "articles", columns=ARTICLE_COLUMNS)
    links = build_links(trials, articles, trials_path=args.trials)
    studies = build_studies(list(trials["nct_id"]), list(articles["pmid"]), links)
    write_table(links, args.out_links, "links")
    write_table(studies, args.out_studies, "studies")
    if args.out_labels is not None:
        write_table(labels_frame(studies, articles, trials), args.out_labels, "study_labels")
    log.info(
        "%d trial and %d article record(s) -> %d link(s), %d study(ies), %d duplicate(s) merged",
        len(trials),
        len(articles),
        len(links),
        len(studies),
        int(studies["merged_duplicates"].sum()),
    )
    return 0
