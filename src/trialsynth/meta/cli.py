"""``trialsynth meta``: random-effects meta-analysis of one table (metafor-compatible numbers)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError
from trialsynth.meta.effect_sizes import ZERO_CELL_RULES, ZeroCellSettings
from trialsynth.meta.fit import CLI_METHODS, LEAVE1OUT_AUTO_MAX_K, LEAVE1OUT_CHOICES, fit_meta
from trialsynth.meta.inference import PI_TYPES, TESTS
from trialsynth.meta.measures import MEASURE_NAMES
from trialsynth.meta.model_summary import format_model_summary
from trialsynth.meta.moderated import fit_moderated
from trialsynth.meta.predict import TRANSFORMS, predict
from trialsynth.meta.result import MetaResult, json_number, validate_result_json
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
    add_model_arguments(parser)
    parser.add_argument(
        "--leave1out",
        default="auto",
        choices=LEAVE1OUT_CHOICES,
        help=f"leave-one-out refits: auto = only when k <= {LEAVE1OUT_AUTO_MAX_K} (default)",
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
    elif args.mods or args.cluster or args.robust or args.predict is not None:
        fitted = fit_model(data, args)
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
            leave1out=args.leave1out,
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
    elif fitted.coefficients is not None:
        sys.stdout.write(format_model_summary(fitted))
    else:
        sys.stdout.write(format_summary(fitted))
    return 0


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """``--mods``, ``--cluster``, ``--robust`` and ``--predict``: models with moderators."""
    parser.add_argument(
        "--mods",
        nargs="+",
        default=[],
        metavar="TERM",
        help="moderators: COLUMN (numbers as they are, text as a factor with the first sorted "
        "level as reference), log(COLUMN), A:B (interaction), A*B (A + B + A:B); the model is "
        "metafor rma(yi, vi, mods = ~ TERM + ...)",
    )
    parser.add_argument(
        "--cluster",
        default=None,
        metavar="COLUMN",
        help="three-level model, rows within clusters of COLUMN (metafor rma.mv with "
        "random = ~ 1 | COLUMN/row; --method REML or ML, --test z or knha = metafor test 't')",
    )
    parser.add_argument(
        "--robust",
        action="store_true",
        help="cluster-robust tests by the --cluster column "
        "(metafor robust(), CR1, t(clusters - p))",
    )
    parser.add_argument(
        "--predict",
        type=Path,
        default=None,
        metavar="CSV",
        help="add `predictions` at the moderator values of this CSV (one column per moderator "
        "column; metafor predict() with CI and PI)",
    )
    parser.add_argument(
        "--predict-transform",
        default="none",
        choices=tuple(TRANSFORMS),
        help="back-transform predictions (expit: logit -> proportion; exp: log ratio -> ratio)",
    )


def fit_model(data: Any, args: argparse.Namespace) -> MetaResult:
    """The model with moderators / clusters of the command line, with its predictions."""
    for flag, value in (("--by", args.by), ("--cumulative-by", args.cumulative_by)):
        if value is not None:
            raise InputError(
                f"{flag} cannot be combined with --mods/--cluster",
                hint="a factor moderator (--mods COLUMN) tests subgroup differences",
            )
    fitted = fit_moderated(
        data,
        args.measure,
        list(args.mods),
        method=args.method,
        test=args.test,
        level=args.level,
        cluster=args.cluster,
        robust=args.robust,
        zero_cells=ZeroCellSettings(add=args.add, to=args.to, drop00=args.drop00),
        path=args.data,
    )
    if args.predict is not None:
        table = predict(
            fitted,
            read_table(args.predict),
            transform=args.predict_transform,
            path=args.predict,
        )
        fitted.predictions = json_number(table.to_dict(orient="records"))
        fitted.settings["predict"] = {
            "newmods": str(args.predict),
            "transform": args.predict_transform,
        }
    return fitted


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
