"""``trialsynth screen``: the protocol's eligibility rules and reviewer decisions per study."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.cli_options import add_command, add_output, add_paths, add_protocol_file
from trialsynth.errors import InputError, ProtocolError
from trialsynth.protocol import load_protocol
from trialsynth.screen.decisions import (
    ARTICLE_COLUMNS,
    TRIAL_COLUMNS,
    apply_overrides,
    rules_decisions,
)
from trialsynth.screen.eligibility import check_patterns
from trialsynth.screen.overrides import read_overrides
from trialsynth.screen.prisma import prisma_counts
from trialsynth.tables import read_table, write_json_atomic, write_table

log = logging.getLogger(__name__)

CODING_COLUMNS = ("nct_id", "drug", "condition", "design")


def register(subparsers: Any) -> None:
    """Add the ``screen`` subcommand."""
    parser = add_command(subparsers, "screen", run_screen)
    add_paths(parser, "studies", "trials", "articles", "coding")
    add_protocol_file(parser)
    add_paths(parser, "overrides", overrides="analysis/screening_overrides.csv")
    add_paths(
        parser,
        "trials_skipped",
        "articles_skipped",
        required=False,
        trials_skipped="records `trialsynth parse ctgov --skipped` left out (counted in "
        "prisma.json)",
        articles_skipped="records `trialsynth parse pubmed --skipped` left out (counted in "
        "prisma.json)",
    )
    add_output(parser, "screening.csv")
    add_output(parser, "prisma.json", "--prisma")


def load_eligibility(path: Path) -> dict[str, Any]:
    """The validated ``eligibility`` section of the protocol, with its patterns compiled-checked."""
    protocol = load_protocol(path)
    if "eligibility" not in protocol:
        raise ProtocolError(
            "the protocol has no eligibility section",
            path=path,
            record="key eligibility",
            hint="add eligibility.registry and eligibility.publications (see the schema)",
        )
    bad = check_patterns(protocol["eligibility"])
    if bad:
        key, pattern, error = bad[0]
        raise ProtocolError(
            f"invalid regular expression {pattern!r}: {error}",
            path=path,
            record=f"key {key}",
            hint="write a Python regular expression (escape special characters)",
        )
    eligibility: dict[str, Any] = protocol["eligibility"]
    return eligibility


def read_coding(path: Path) -> pd.DataFrame:
    """``coding.csv`` with the columns screening uses; a missing column names the fix."""
    coding = read_table(path, "coding", partial=True)
    missing = [c for c in CODING_COLUMNS if c not in coding.columns]
    if missing:
        raise InputError(
            f"missing column(s) {missing}",
            path=path,
            record="line 1",
            hint="re-run `trialsynth code`; coding.csv needs nct_id, drug, condition, design",
        )
    return coding


def _skipped(path: Path | None) -> pd.DataFrame | None:
    return None if path is None else read_table(path, "skipped")


def run_screen(args: argparse.Namespace) -> int:
    """Apply the protocol's eligibility rules and reviewer decisions.

    Write screening.csv (one decision per study, with reason and who decided) and prisma.json
    (PRISMA 2020 flow counts).
    """
    eligibility = load_eligibility(args.protocol)
    studies = read_table(args.studies, "studies")
    # Only the columns screening reads: the long texts of a registry-scale trials.csv are not
    # turned into Python strings (articles' titles and abstracts are read: the text rules).
    trials = read_table(args.trials, "trials", columns=("nct_id", *TRIAL_COLUMNS))
    articles = read_table(args.articles, "articles", columns=("pmid", *ARTICLE_COLUMNS))
    coding = read_coding(args.coding)
    overrides = read_overrides(args.overrides, set(studies["study_id"]))
    decisions = rules_decisions(studies, trials, articles, coding, eligibility)
    screening = apply_overrides(decisions, overrides)
    counts = prisma_counts(
        len(trials),
        len(articles),
        studies,
        screening,
        trials_skipped=_skipped(args.trials_skipped),
        articles_skipped=_skipped(args.articles_skipped),
    )
    write_table(screening, args.out, "screening")
    write_json_atomic(args.prisma, counts)
    log.info(
        "%d study(ies): %d included, %d excluded, %d awaiting review (%d by reviewer)",
        counts["studies_screened"],
        counts["studies_included"],
        counts["excluded"],
        counts["awaiting_review"],
        counts["decided_by_reviewer"],
    )
    return 0
