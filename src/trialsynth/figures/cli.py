"""``trialsynth forest``: draw the forest plot of one analysis from its pooled result."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from trialsynth.figures.forest import draw_forest, forest_rows, save_forest
from trialsynth.meta.result import load_result
from trialsynth.protocol_options import (
    add_protocol_arguments,
    analysis_entry,
    fill_options,
    stage_protocol,
)
from trialsynth.tables import read_table

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``forest`` subcommand."""
    parser = subparsers.add_parser(
        "forest",
        help="draw the forest plot of one analysis",
        description=(
            "Draw a forest plot (metafor forest.rma layout) from an analysis input table and the "
            "JSON result of `trialsynth meta` for the same table."
        ),
    )
    parser.add_argument("--data", required=True, type=Path, help="analysis input CSV")
    parser.add_argument("--result", required=True, type=Path, help="`trialsynth meta` JSON")
    parser.add_argument("--out", required=True, type=Path, nargs="+", help=".png and/or .svg")
    parser.add_argument(
        "--title", default=None, help="figure title (default: the protocol analysis's title)"
    )
    add_protocol_arguments(parser, analysis=True)
    parser.set_defaults(func=run_forest)


def run_forest(args: argparse.Namespace) -> int:
    """Draw and save the figure(s)."""
    protocol = stage_protocol(args)
    titles: dict[str, Any] = {}
    if protocol is not None:
        spec = analysis_entry(protocol, args.analysis, args.protocol)
        titles["title"] = spec.get("title") or spec["id"]
    fill_options(args, titles, {"title": ""})
    result = load_result(args.result)
    data = read_table(args.data, "meta_input")
    labels: list[str] | None = result.study or None
    if labels is None and "study" in data.columns:
        labels = list(data["study"])
    rows = forest_rows(result, labels)
    plot = draw_forest(rows, title=args.title)
    for out in args.out:
        save_forest(plot, out)
        log.info("wrote %s (k = %d)", out, len(rows.studies))
    return 0
