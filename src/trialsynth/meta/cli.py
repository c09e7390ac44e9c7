"""``trialsynth meta``: random-effects meta-analysis of one table (metafor-compatible numbers)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from trialsynth.meta.effect_sizes import ZERO_CELL_RULES, ZeroCellSettings
from trialsynth.meta.fit import CLI_METHODS, fit_meta
from trialsynth.meta.inference import PI_TYPES, TESTS
from trialsynth.meta.measures import MEASURE_NAMES
from trialsynth.meta.result import MetaResult, validate_result_json
from trialsynth.meta.summary import format_summary
from trialsynth.tables import read_table, write_json_atomic

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``meta`` subcommand."""
    parser = subparsers.add_parser(
        "meta",
        help="meta-analysis of one analysis table",
        description=(
            "Random-effects meta-analysis of a CSV in metafor column names (plus an optional "
            "`study` column). Defaults: REML, Knapp-Hartung with ad hoc guard, HTS prediction "
            "interval. Ratio measures are reported on the log scale."
        ),
    )
    parser.add_argument("--data", required=True, type=Path, help="input CSV")
    parser.add_argument("--measure", required=True, choices=MEASURE_NAMES)
    parser.add_argument(
        "--label",
        default=None,
        help="GEN only: what yi is, e.g. 'log HR' (shown exponentiated as HR); default: the "
        "table's measure_label column when present",
    )
    parser.add_argument("--method", default="REML", choices=CLI_METHODS, help="tau^2 estimator")
    parser.add_argument("--test", default="adhoc", choices=TESTS)
    parser.add_argument("--pi", default="hts", choices=PI_TYPES, help="prediction interval")
    parser.add_argument("--by", default=None, metavar="COLUMN", help="subgroup column")
    parser.add_argument("--level", type=float, default=95.0, help="confidence level (percent)")
    parser.add_argument("--add", type=float, default=0.5, help="zero-cell addition")
    parser.add_argument("--to", default="only0", choices=ZERO_CELL_RULES, help="zero-cell rule")
    parser.add_argument("--drop00", action="store_true", help="drop double-zero studies")
    parser.add_argument(
        "--cumulative-by",
        default=None,
        metavar="COLUMN",
        help="add a cumulative meta-analysis ordered by this column (e.g. year)",
    )
    parser.add_argument("--json", action="store_true", help="print the JSON result to stdout")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON result here")
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="a table with no studies gives a result with k = 0 and a warning instead of an "
        "error (the workflow uses this so an analysis without data is reported, not fatal)",
    )
    parser.set_defaults(func=run_meta)


def run_meta(args: argparse.Namespace) -> int:
    """Fit the model, print the result and optionally write it."""
    data = read_table(args.data, "meta_input")
    if data.empty and args.allow_empty:
        fitted = empty_result(args)
    else:
        fitted = fit_meta(
            data,
            args.measure,
            method=args.method,
            test=args.test,
            pi=args.pi,
            level=args.level,
            by=args.by,
            zero_cells=ZeroCellSettings(add=args.add, to=args.to, drop00=args.drop00),
            path=args.data,
            cumulative_by=args.cumulative_by,
            label=args.label,
        )
    result = fitted.to_dict()
    validate_result_json(result, args.out)
    if args.out is not None:
        write_json_atomic(args.out, result)
        log.info("wrote %s (k = %d)", args.out, result["k"])
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=True) + "\n")
    elif result["k"] == 0:
        sys.stdout.write("Meta-analysis (k = 0): " + result["warnings"][0] + "\n")
    else:
        sys.stdout.write(format_summary(fitted))
    return 0


def empty_result(args: argparse.Namespace) -> MetaResult:
    """The result of an analysis with no studies: k = 0, the settings, and why."""
    log.warning("%s: no studies in the table; writing a result with k = 0", args.data)
    settings = {
        "measure": args.measure,
        "method": args.method,
        "test": args.test,
        "pi": args.pi,
        "level": args.level,
    }
    reason = f"no studies in {args.data}: nothing to pool (see the outcome exclusions)"
    return MetaResult.empty(settings, reason)
