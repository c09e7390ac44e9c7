"""``trialsynth figures``: ``figures forest``, ``figures sensitivity``, ``figures prisma`` and
``figures durability`` (registered by :mod:`trialsynth.figures.durability_cli`)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError
from trialsynth.figures import durability_cli
from trialsynth.figures.forest import forest_from_files
from trialsynth.figures.save import save_figure
from trialsynth.meta.result import load_result
from trialsynth.protocol_options import add_protocol_arguments, analysis_entry, stage_protocol
from trialsynth.tables import read_table, write_json_atomic

log = logging.getLogger(__name__)


def _label_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("author-year study labels (all three, or none)")
    group.add_argument("--studies", type=Path, help="studies.csv")
    group.add_argument("--articles", type=Path, help="articles.csv (authors, year)")
    group.add_argument("--trials", type=Path, help="trials.csv (acronyms)")


def register(subparsers: Any) -> None:
    """Add the ``figures`` command with its ``forest``, ``sensitivity``, ``prisma`` and
    ``durability`` subcommands."""
    figures = subparsers.add_parser(
        "figures",
        help="draw the review's figures (forest, sensitivity, prisma, durability)",
        description="Draw one kind of figure; `trialsynth figures KIND --help` lists its options.",
    )
    kinds = figures.add_subparsers(dest="figure", metavar="KIND", required=True)
    forest = kinds.add_parser(
        "forest",
        help="draw the forest plot of one analysis",
        description=(
            "Draw a forest plot (RevMan / metafor forest.rma layout) from an analysis input table "
            "and the JSON result of `trialsynth meta` for the same table."
        ),
    )
    forest.add_argument("--data", required=True, type=Path, help="analysis input CSV")
    forest.add_argument("--result", required=True, type=Path, help="`trialsynth meta` JSON")
    forest.add_argument("--out", required=True, type=Path, nargs="+", help=".png and/or .svg")
    forest.add_argument("--title", default=None, help="figure title (default: the protocol's)")
    add_protocol_arguments(forest, analysis=True)
    _label_arguments(forest)
    forest.set_defaults(func=run_forest)

    sensitivity = kinds.add_parser(
        "sensitivity",
        help="draw the leave-one-out, funnel and GOSH plots of one analysis",
        description=(
            "Draw the leave-one-out plot (k >= 3), the funnel plot with Egger's test (k >= 10) and "
            "the GOSH plot (6 <= k <= 20) into a folder, with index.json naming each figure drawn "
            "or why it was not."
        ),
    )
    sensitivity.add_argument("--data", type=Path, help="analysis input CSV (for labels)")
    sensitivity.add_argument("--result", required=True, type=Path, help="`trialsynth meta` JSON")
    sensitivity.add_argument("--out-dir", required=True, type=Path)
    _label_arguments(sensitivity)
    sensitivity.set_defaults(func=run_sensitivity_figures)

    flow = kinds.add_parser(
        "prisma",
        help="draw the PRISMA 2020 flow diagram",
        description="Draw the PRISMA 2020 flow diagram from prisma.json of `trialsynth screen`.",
    )
    flow.add_argument("--prisma", required=True, type=Path, help="prisma.json")
    flow.add_argument("--out", required=True, type=Path, nargs="+", help=".png and/or .svg")
    flow.set_defaults(func=run_prisma_flow)

    durability_cli.register(kinds)


def load_labels(args: argparse.Namespace) -> dict[str, str] | None:
    """``study_id -> author-year label`` from ``--studies/--articles/--trials``, if given."""
    given = [args.studies, args.articles, args.trials]
    if not any(given):
        return None
    if not all(given):
        raise InputError(
            "author-year labels need --studies, --articles and --trials together",
            hint="give all three, or none for the analysis table's own labels",
        )
    from trialsynth.link.labels import study_labels

    def records(path: Path) -> list[dict[str, Any]]:
        return read_table(path).astype(object).where(lambda f: f.notna(), "").to_dict("records")

    return study_labels(records(args.studies), records(args.articles), records(args.trials))


def run_forest(args: argparse.Namespace) -> int:
    """Draw and save the forest plot."""
    result = load_result(args.result)
    data = read_table(args.data, "meta_input")
    protocol = stage_protocol(args)
    spec = analysis_entry(protocol, args.analysis, args.protocol) if protocol is not None else {}
    if args.title is None:  # the protocol's title unless the command line gives one
        args.title = str(spec.get("title") or spec.get("id") or "")
    spec["title"] = args.title
    plot = forest_from_files(result, data, spec, load_labels(args))
    for out in args.out:
        save_figure(plot, out)
        log.info("wrote %s (k = %d)", out, result.k)
    return 0


def _study_names(result: Any, args: argparse.Namespace) -> list[str]:
    labels = load_labels(args)
    if not labels or args.data is None:
        return list(result.study)
    data = read_table(args.data, "meta_input")
    by_label = {str(r["study"]): str(r.get("study_id", "")) for r in data.to_dict("records")}
    return [labels.get(by_label.get(name, ""), name) for name in result.study]


def run_sensitivity_figures(args: argparse.Namespace) -> int:
    """Draw the sensitivity figures that the analysis supports and index them."""
    from trialsynth.figures.sensitivity import (
        draw_funnel,
        draw_gosh,
        draw_leave_one_out,
        funnel_reason,
        gosh_reason,
        leave_one_out_reason,
    )

    result = load_result(args.result)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict[str, Any]] = {}
    reason = leave_one_out_reason(result)
    if reason is None:
        plot = draw_leave_one_out(result, _study_names(result, args))
        files = [f"leave1out.{fmt}" for fmt in ("png", "svg")]
        for name in files:
            save_figure(plot, args.out_dir / name)
        index["leave1out"] = {"files": files}
    else:
        index["leave1out"] = {"reason": reason}
    reason = funnel_reason(result)
    if reason is None:
        plot = draw_funnel(result)
        files = [f"funnel.{fmt}" for fmt in ("png", "svg")]
        for name in files:
            save_figure(plot, args.out_dir / name)
        index["funnel"] = {"files": files}
    else:
        index["funnel"] = {"reason": reason}
    reason = gosh_reason(result)
    if reason is None:
        plot = draw_gosh(result)
        files = [f"gosh.{fmt}" for fmt in ("png", "svg")]
        for name in files:
            save_figure(plot, args.out_dir / name)
        index["gosh"] = {"files": files}
    else:
        index["gosh"] = {"reason": reason}
    write_json_atomic(args.out_dir / "index.json", index)
    log.info("wrote %s", json.dumps({k: sorted(v) for k, v in index.items()}))
    return 0


def run_prisma_flow(args: argparse.Namespace) -> int:
    """Draw and save the PRISMA 2020 flow diagram."""
    from trialsynth.figures.prisma_flow import draw_prisma_flow

    try:
        prisma = json.loads(args.prisma.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            "file not found", path=args.prisma, hint="run `trialsynth screen`"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc}", path=args.prisma) from exc
    plot = draw_prisma_flow(prisma)
    for out in args.out:
        save_figure(plot, out)
        log.info("wrote %s", out)
    return 0
