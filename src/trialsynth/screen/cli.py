"""``trialsynth screen``: the protocol's eligibility rules and reviewer decisions per study."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.errors import InputError, ProtocolError
from trialsynth.protocol import load_protocol
from trialsynth.screen.decisions import apply_overrides, rules_decisions
from trialsynth.screen.eligibility import check_patterns
from trialsynth.screen.overrides import read_overrides
from trialsynth.screen.prisma import prisma_counts
from trialsynth.tables import read_table, write_json_atomic, write_table

log = logging.getLogger(__name__)

CODING_COLUMNS = ("nct_id", "drug", "condition", "design")


def register(subparsers: Any) -> None:
    """Add the ``screen`` subcommand."""
    screen = subparsers.add_parser(
        "screen",
        help="apply the protocol's eligibility rules and reviewer decisions",
        description=(
            "Write screening.csv (one decision per study, with reason and who decided) and "
            "prisma.json (PRISMA 2020 flow counts)."
        ),
    )
    screen.add_argument("--studies", required=True, type=Path, help="studies.csv")
    screen.add_argument("--trials", required=True, type=Path, help="trials.csv")
    screen.add_argument("--articles", required=True, type=Path, help="articles.csv")
    screen.add_argument("--coding", required=True, type=Path, help="coding.csv")
    screen.add_argument("--protocol", required=True, type=Path, help="analysis/protocol.yaml")
    screen.add_argument(
        "--overrides", required=True, type=Path, help="analysis/screening_overrides.csv"
    )
    screen.add_argument(
        "--trials-skipped",
        type=Path,
        default=None,
        help="records `trialsynth parse ctgov --skipped` left out (counted in prisma.json)",
    )
    screen.add_argument(
        "--articles-skipped",
        type=Path,
        default=None,
        help="records `trialsynth parse pubmed --skipped` left out (counted in prisma.json)",
    )
    screen.add_argument("--out", required=True, type=Path, help="screening.csv to write")
    screen.add_argument("--prisma", required=True, type=Path, help="prisma.json to write")
    screen.set_defaults(func=run_screen)


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
    """Screen every study, write screening.csv and prisma.json."""
    eligibility = load_eligibility(args.protocol)
    studies = read_table(args.studies, "studies")
    trials = read_table(args.trials, "trials")
    articles = read_table(args.articles, "articles")
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
