"""``trialsynth meta``: random-effects meta-analysis of one table (metafor-compatible numbers)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from trialsynth.cli_options import add_command, add_paths
from trialsynth.errors import InputError
from trialsynth.meta.effect_sizes import ZERO_CELL_RULES, ZeroCellSettings
from trialsynth.meta.estimator_file import write_estimators
from trialsynth.meta.fit import CLI_METHODS, LEAVE1OUT_AUTO_MAX_K, LEAVE1OUT_CHOICES, fit_meta
from trialsynth.meta.inference import PI_TYPES, TESTS
from trialsynth.meta.measures import MEASURE_NAMES
from trialsynth.meta.result import MetaResult, json_number, validate_result_json
from trialsynth.meta.summary import format_summary
from trialsynth.protocol_options import (
    add_protocol_arguments,
    analysis_entry,
    fill_options,
    meta_options,
    model_options,
    require_options,
    stage_protocol,
)
from trialsynth.tables import read_table, write_json_atomic

log = logging.getLogger(__name__)

#: The names of :data:`trialsynth.meta.predict.TRANSFORMS`, for ``--predict-transform`` without
#: importing the prediction module at start-up (a test checks the two agree).
PREDICT_TRANSFORMS = ("none", "exp", "expit")


def register(subparsers: Any) -> None:
    """Add the ``meta`` subcommand."""
    parser = add_command(subparsers, "meta", run_meta)
    add_paths(parser, "data", data="input CSV")
    add_protocol_arguments(parser, analysis=True)
    parser.add_argument(
        "--measure",
        default=None,
        choices=MEASURE_NAMES,
        help="effect measure (required unless --protocol/--analysis give it)",
    )
    parser.add_argument(
        "--label",
        default=None,
        help="GEN only: what yi is, e.g. 'log HR' (shown exponentiated as HR); default: the "
        "table's measure_label column when present",
    )
    # Defaults are applied after the protocol (see SETTING_DEFAULTS): None means "not given".
    parser.add_argument("--method", choices=CLI_METHODS, help="tau^2 estimator (default REML)")
    parser.add_argument("--test", choices=TESTS, help="default adhoc")
    parser.add_argument("--pi", choices=PI_TYPES, help="prediction interval (default hts)")
    parser.add_argument("--by", default=None, metavar="COLUMN", help="subgroup column")
    parser.add_argument("--level", type=float, help="confidence level, percent (default 95)")
    parser.add_argument("--add", type=float, help="zero-cell addition (default 0.5)")
    parser.add_argument("--to", choices=ZERO_CELL_RULES, help="zero-cell rule (default only0)")
    parser.add_argument(
        "--drop00", action="store_true", default=None, help="drop double-zero studies"
    )
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
    add_paths(parser, "out", required=False, out="write the JSON result here")
    add_paths(
        parser,
        "estimators_out",
        required=False,
        estimators_out="write the estimator sensitivity (REML, DL, PM, ML x the test and z) "
        "here, for the report (trialsynth.meta.estimator_file; no rows for a model with "
        "moderators)",
    )
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="a table with no studies gives a result with k = 0 and a warning instead of an "
        "error (the workflow uses this so an analysis without data is reported, not fatal)",
    )


#: Built-in settings, used when neither the command line nor the protocol gives one.
SETTING_DEFAULTS: dict[str, Any] = {
    "measure": None,
    "by": None,
    "method": "REML",
    "test": "adhoc",
    "pi": "hts",
    "level": 95.0,
    "add": 0.5,
    "to": "only0",
    "drop00": False,
}


def resolve_settings(args: argparse.Namespace) -> None:
    """Fill the estimator settings: command line, else ``--protocol``/``--analysis``, else
    :data:`SETTING_DEFAULTS`."""
    protocol = stage_protocol(args)
    values: dict[str, Any] = {}
    if protocol is not None:
        spec = analysis_entry(protocol, args.analysis, args.protocol)
        values = meta_options(protocol, spec)
        model = model_options(spec, args.protocol)
        # A model flag on the command line wins over the protocol's model.
        args.mods = args.mods or model["mods"]
        args.cluster = args.cluster or model["cluster"]
        args.robust = args.robust or model["robust"]
        args.predict = args.predict or model["predict"]
        if args.predict_transform == "none" and model["predict_transform"]:
            args.predict_transform = model["predict_transform"]
    fill_options(args, values, SETTING_DEFAULTS)
    require_options(args, {"measure": "--measure"}, "--analysis")


def table_fit_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings that :func:`fit_meta` and :func:`fit_moderated` both take from the command
    line: estimator, test, level, zero-cell correction and the file named in errors."""
    return {
        "method": args.method,
        "test": args.test,
        "level": args.level,
        "zero_cells": ZeroCellSettings(add=args.add, to=args.to, drop00=args.drop00),
        "path": args.data,
    }


def run_meta(args: argparse.Namespace) -> int:
    """Meta-analysis of one analysis table.

    Random-effects meta-analysis of a CSV in metafor column names (plus an optional `study`
    column). Defaults: REML, Knapp-Hartung with ad hoc guard, HTS prediction interval. Ratio
    measures are reported on the log scale. The fitted result is printed and, with --out,
    written as JSON.
    """
    resolve_settings(args)
    data = read_table(args.data, "meta_input")
    if data.empty and args.allow_empty:
        fitted = empty_result(args)
    elif args.mods or args.cluster or args.robust or args.predict is not None:
        fitted = fit_model(data, args)
    else:
        fitted = fit_meta(
            data,
            args.measure,
            pi=args.pi,
            by=args.by,
            cumulative_by=args.cumulative_by,
            label=args.label,
            leave1out=args.leave1out,
            **table_fit_settings(args),
        )
    result = fitted.to_dict()
    validate_result_json(result, args.out)
    if args.out is not None:
        write_json_atomic(args.out, result)
        log.info("wrote %s (k = %d)", args.out, result["k"])
    if args.estimators_out is not None:
        pooled = fitted.coefficients is None
        write_estimators(
            args.estimators_out,
            fitted.yi if pooled else [],
            fitted.vi if pooled else [],
            str(args.test),
            float(args.level),
            str(args.pi),
        )
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=True) + "\n")
    elif result["k"] == 0:
        sys.stdout.write("Meta-analysis (k = 0): " + result["warnings"][0] + "\n")
    elif fitted.coefficients is not None:
        from trialsynth.meta.model_summary import format_model_summary

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
        "--contrast",
        action="append",
        default=[],
        metavar="LABEL=COEF[,COEF...]",
        help="add `contrasts`: the sum of the named coefficients (a leading '-' subtracts one) "
        "with se, test and CI, e.g. slope_B='log(dose),log(dose):armB' (metafor anova(X =)); "
        "repeatable",
    )
    parser.add_argument(
        "--predict-transform",
        default="none",
        choices=PREDICT_TRANSFORMS,
        help="back-transform predictions (expit: logit -> proportion; exp: log ratio -> ratio)",
    )


def fit_model(data: Any, args: argparse.Namespace) -> MetaResult:
    """The model with moderators / clusters of the command line, with its predictions.

    The model modules (design matrices, three-level model, predictions) are imported here, so
    the many analyses without a model do not load them at start-up.
    """
    from trialsynth.meta.moderated import fit_moderated
    from trialsynth.meta.predict import linear_combination, parse_contrast, predict

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
        cluster=args.cluster,
        robust=args.robust,
        **table_fit_settings(args),
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
    if args.contrast:
        weights = dict(parse_contrast(text) for text in args.contrast)
        table = linear_combination(fitted, weights)
        fitted.contrasts = {
            label: {"weights": weights[label], **json_number(row.to_dict())}
            for label, row in table.iterrows()
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
