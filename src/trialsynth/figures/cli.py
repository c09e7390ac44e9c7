"""``trialsynth figures``: ``figures analysis`` (the forest plot and the sensitivity figures of
one analysis, in one process), ``figures forest``, ``figures sensitivity``, ``figures prisma``
and ``figures durability`` (registered by :mod:`trialsynth.figures.durability_cli`).

The workflow draws each analysis's figures with ``figures analysis``: one process per analysis
instead of two, so the start-up (Python, pandas, plotnine: about a second) and the reading of
the result and the analysis table (whose ``study_label`` column labels the studies) are paid
once. ``figures forest`` and ``figures sensitivity`` draw one kind each, with the same code.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialsynth.cli_options import (
    add_command,
    add_command_group,
    add_figure_output,
    add_paths,
)
from trialsynth.errors import InputError
from trialsynth.figures import durability_cli
from trialsynth.figures.forest import forest_from_files
from trialsynth.figures.save import save_figures
from trialsynth.meta.result import MetaResult, load_result
from trialsynth.protocol_options import add_protocol_arguments, analysis_entry, stage_protocol
from trialsynth.tables import read_table, write_json_atomic

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``figures`` command with its ``analysis``, ``forest``, ``sensitivity``,
    ``prisma`` and ``durability`` subcommands."""
    kinds = add_command_group(
        subparsers,
        "figures",
        "Draw the review's figures (analysis, forest, sensitivity, prisma, durability)",
        "figure",
    )

    analysis = add_command(kinds, "analysis", run_analysis_figures)
    _forest_arguments(analysis)
    analysis.add_argument(
        "--out-dir", required=True, type=Path, help="folder of the sensitivity figures"
    )

    forest = add_command(kinds, "forest", run_forest)
    _forest_arguments(forest)

    sensitivity = add_command(kinds, "sensitivity", run_sensitivity_figures)
    add_paths(
        sensitivity, "data", required=False, data="analysis input CSV (its study_label column)"
    )
    add_paths(sensitivity, "result")
    sensitivity.add_argument("--out-dir", required=True, type=Path)

    flow = add_command(kinds, "prisma", run_prisma_flow)
    add_paths(flow, "prisma")
    add_figure_output(flow)

    durability_cli.register(kinds)


def _forest_arguments(parser: argparse.ArgumentParser) -> None:
    """The analysis table (with its labels), its result, the protocol entry and the forest's
    files."""
    add_paths(parser, "data", "result")
    add_figure_output(parser)
    parser.add_argument("--title", default=None, help="figure title (default: the protocol's)")
    add_protocol_arguments(parser, analysis=True)


def table_labels(data: pd.DataFrame | None) -> dict[str, str] | None:
    """``study_id -> author-year label`` from the analysis table's ``study_label`` column
    (written by ``trialsynth outcomes --labels``; metafor's ``slab``, which travels with the
    data), or ``None`` for a table without the column. A study without a label (not in
    studies.csv) keeps its ``study`` name in the figures."""
    if data is None or "study_label" not in data.columns or "study_id" not in data.columns:
        return None
    return {
        str(sid): str(label)
        for sid, label in zip(data["study_id"], data["study_label"], strict=True)
        if isinstance(label, str) and label
    }


def run_analysis_figures(args: argparse.Namespace) -> int:
    """Draw the forest plot and the sensitivity figures of one analysis.

    Draw the forest plot (as `trialsynth figures forest`) and the leave-one-out, funnel and
    GOSH plots with index.json (as `trialsynth figures sensitivity`) of one analysis, reading
    its table (with the study labels) and its result once.
    """
    result = load_result(args.result)
    data = read_table(args.data, "meta_input")
    labels = table_labels(data)
    draw_forest_files(args, result, data, labels)
    draw_sensitivity_figures(result, study_names(result, data, labels), args.out_dir)
    return 0


def run_forest(args: argparse.Namespace) -> int:
    """Draw the forest plot of one analysis.

    Draw a forest plot (RevMan / metafor forest.rma layout) from an analysis input table and
    the JSON result of `trialsynth meta` for the same table.
    """
    result = load_result(args.result)
    data = read_table(args.data, "meta_input")
    draw_forest_files(args, result, data, table_labels(data))
    return 0


def draw_forest_files(
    args: argparse.Namespace,
    result: MetaResult,
    data: pd.DataFrame,
    labels: dict[str, str] | None,
) -> None:
    """Draw the forest plot of ``result`` into ``args.out``, titled from ``args.title`` or the
    protocol entry ``args.analysis``."""
    protocol = stage_protocol(args)
    spec = analysis_entry(protocol, args.analysis, args.protocol) if protocol is not None else {}
    if args.title is None:  # the protocol's title unless the command line gives one
        args.title = str(spec.get("title") or spec.get("id") or "")
    spec["title"] = args.title
    plot = forest_from_files(result, data, spec, labels)
    save_figures(plot, args.out)
    for out in args.out:
        log.info("wrote %s (k = %d)", out, result.k)


def study_names(
    result: MetaResult, data: pd.DataFrame | None, labels: dict[str, str] | None
) -> list[str]:
    """The result's study names as author-year labels (the analysis table links a study name
    to its study_id), or the names themselves without labels or table."""
    if not labels or data is None:
        return list(result.study)
    by_label = {str(r["study"]): str(r.get("study_id", "")) for r in data.to_dict("records")}
    return [labels.get(by_label.get(name, ""), name) for name in result.study]


def run_sensitivity_figures(args: argparse.Namespace) -> int:
    """Draw the leave-one-out, funnel and GOSH plots of one analysis.

    Draw the leave-one-out plot (k >= 3), the funnel plot with Egger's test (k >= 10) and the
    GOSH plot (6 <= k <= 20) into a folder, with index.json naming each figure drawn or why
    it was not.
    """
    result = load_result(args.result)
    data = read_table(args.data, "meta_input") if args.data is not None else None
    labels = table_labels(data)
    draw_sensitivity_figures(result, study_names(result, data, labels), args.out_dir)
    return 0


def draw_sensitivity_figures(result: MetaResult, names: list[str], out_dir: Path) -> None:
    """Draw the sensitivity figures of ``result`` (studies labelled ``names``) into
    ``out_dir`` with index.json naming each figure drawn or why it was not."""
    from trialsynth.figures.sensitivity import (
        draw_funnel,
        draw_gosh,
        draw_leave_one_out,
        funnel_reason,
        gosh_reason,
        leave_one_out_reason,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    figures = (
        ("leave1out", leave_one_out_reason, lambda: draw_leave_one_out(result, names)),
        ("funnel", funnel_reason, lambda: draw_funnel(result)),
        ("gosh", gosh_reason, lambda: draw_gosh(result)),
    )
    index: dict[str, dict[str, Any]] = {}
    for name, reason_not_drawn, draw in figures:
        reason = reason_not_drawn(result)
        if reason is not None:
            index[name] = {"reason": reason}
            continue
        plot = draw()
        files = [f"{name}.{fmt}" for fmt in ("png", "svg")]
        save_figures(plot, [out_dir / file_name for file_name in files])
        index[name] = {"files": files}
    write_json_atomic(out_dir / "index.json", index)
    log.info("wrote %s", json.dumps({k: sorted(v) for k, v in index.items()}))


def run_prisma_flow(args: argparse.Namespace) -> int:
    """Draw the PRISMA 2020 flow diagram.

    Draw the PRISMA 2020 flow diagram from prisma.json of `trialsynth screen`.
    """
    from trialsynth.figures.prisma_flow import draw_prisma_flow

    try:
        prisma = json.loads(args.prisma.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            "file not found", path=args.prisma, hint="run `trialsynth screen`"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc}", path=args.prisma) from exc
    save_figures(draw_prisma_flow(prisma), args.out)
    for out in args.out:
        log.info("wrote %s", out)
    return 0
