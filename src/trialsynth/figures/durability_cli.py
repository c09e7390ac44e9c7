"""``trialsynth figures durability``: the durability figure and its number table.

The decay model's input and result, each horizon window's input and result (``--window-data``,
``--window-result``; a window's id is its file name) and the median-times table are named on
the command line; with ``--protocol`` the windows' day limits, the modality column (the decay
analysis's ``by``) and the title come from the protocol's analyses.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from trialsynth.cli_options import add_command, add_figure_output, add_paths
from trialsynth.errors import InputError
from trialsynth.figures.save import save_figures
from trialsynth.meta.result import MetaResult, load_result
from trialsynth.protocol_options import add_protocol_arguments, stage_protocol
from trialsynth.tables import read_table, write_table

if TYPE_CHECKING:
    from trialsynth.figures.durability import DurabilityData, WindowSpec

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``durability`` subcommand of ``trialsynth figures``."""
    parser = add_command(subparsers, "durability", run_durability_figure)
    parser.add_argument(
        "--decay",
        nargs=2,
        required=True,
        type=Path,
        metavar=("DATA", "RESULT"),
        help="decay-model input CSV (study, yi, vi, xi, ni, horizon_days, modality) and its JSON",
    )
    parser.add_argument(
        "--window-data",
        nargs="*",
        default=[],
        type=Path,
        metavar="CSV",
        help="input CSV of each horizon window (its name is the analysis id)",
    )
    parser.add_argument(
        "--window-result",
        nargs="*",
        default=[],
        type=Path,
        metavar="JSON",
        help="`trialsynth meta` JSON of each window, in the order of --window-data",
    )
    add_paths(parser, "medians", required=False)
    parser.add_argument(
        "--by", default=None, help="modality column (default: the decay analysis's `by`)"
    )
    parser.add_argument("--decay-id", default=None, help="protocol id of the decay analysis")
    parser.add_argument("--title", default=None, help="figure title")
    add_figure_output(parser)
    add_paths(parser, "table", required=False, table="CSV of the drawn numbers")
    add_protocol_arguments(parser, analysis=False)


def _entries(protocol: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {str(a["id"]): dict(a) for a in (protocol or {}).get("analyses") or []}


def _window_spec(analysis_id: str, entry: dict[str, Any], table: pd.DataFrame) -> WindowSpec:
    from trialsynth.figures.durability import WindowSpec

    limits = entry.get("horizon_days") or {}
    days = pd.to_numeric(table.get("horizon_days", pd.Series(dtype=float)), errors="coerce")
    days = days.dropna()
    lower = limits.get("min", float(days.min()) if len(days) else 1.0)
    upper = limits.get("max", float(days.max()) if len(days) and "min" not in limits else None)
    return WindowSpec(
        id=analysis_id,
        title=str(entry.get("title") or analysis_id),
        min_days=float(lower),
        max_days=None if upper is None else float(upper),
        target_days=None if limits.get("target") is None else float(limits["target"]),
    )


def _modality(args: argparse.Namespace, entries: dict[str, dict[str, Any]]) -> str:
    if args.by:
        return str(args.by)
    decay_id = args.decay_id or args.decay[0].stem
    by = entries.get(decay_id, {}).get("by")
    if not by:
        raise InputError(
            f"no modality column: the protocol has no `by` for analysis {decay_id!r}",
            path=args.protocol,
            hint="give --by COLUMN or set `by` in the decay analysis of the protocol",
        )
    return str(by)


def build_data(args: argparse.Namespace) -> tuple[DurabilityData, MetaResult]:
    """Read every input and collect what the figure draws."""
    # Imported here, not with the module: `trialsynth figures` registers this subcommand for
    # every figure job, and the figure's modules import SciPy's statistics (half a second).
    from trialsynth.figures.durability import (
        DurabilityData,
        decay_curve,
        median_marks,
        study_points,
        window_estimates,
    )

    entries = _entries(stage_protocol(args))
    modality = _modality(args, entries)
    decay_path, decay_result_path = args.decay
    decay_table = read_table(decay_path, "meta_input")
    decay = load_result(decay_result_path)
    level = float(decay.level) if decay.settings else 95.0
    points = study_points(decay_table, modality, level, path=decay_path)
    notes: list[str] = []
    windows = []
    if len(args.window_data) != len(args.window_result):
        raise InputError(
            f"{len(args.window_data)} window tables but {len(args.window_result)} results",
            hint="give one --window-result JSON per --window-data CSV, in the same order",
        )
    for data_path, result_path in zip(args.window_data, args.window_result, strict=True):
        analysis_id = data_path.stem
        table = read_table(data_path, "meta_input")
        spec = _window_spec(analysis_id, entries.get(analysis_id, {}), table)
        result = load_result(result_path)
        if result.k == 0:
            notes.append(f"{analysis_id}: no study ({'; '.join(result.warnings)})")
        windows.append((spec, result, table))
    window_rows = window_estimates(windows, modality)
    medians = pd.DataFrame()
    if args.medians is not None:
        medians = median_marks(read_table(args.medians), modality, path=args.medians)
    curve = pd.DataFrame(columns=["modality", "horizon_days", "proportion", "ci_lb", "ci_ub"])
    if decay.coefficients and decay.vcov is not None and not points.empty:
        days = points.groupby("modality")["horizon_days"]
        ranges = {
            str(m): (float(lo), float(hi))
            for m, lo, hi in zip(days.min().index, days.min(), days.max(), strict=True)
        }
        curve = decay_curve(decay, modality, ranges)
    elif decay.k == 0 or not decay.coefficients:
        reason = "; ".join(decay.warnings) or "the result has no moderators"
        notes.append(f"No decay curve: {reason}")
    data = DurabilityData(
        modality_name=modality,
        points=points,
        windows=window_rows,
        curve=curve,
        medians=medians,
        level=level,
        notes=notes,
    )
    return data, decay


def run_durability_figure(args: argparse.Namespace) -> int:
    """Draw the proportion still benefiting against days since the last dose.

    Draw the durability figure (study points sized by n, pooled window estimates, the decay
    model's predicted curve with its confidence band, median times) and write its numbers as a
    CSV table.
    """
    from trialsynth.figures.durability import default_caption, draw_durability, durability_table

    data, decay = build_data(args)
    entries = _entries(stage_protocol(args))
    title = args.title
    if title is None:
        decay_id = args.decay_id or args.decay[0].stem
        title = str(entries.get(decay_id, {}).get("title") or "")
    plot = draw_durability(data, title=title, caption=default_caption(data))
    # The shared saver: PNG at 300 dpi, SVG with editable text, no dates (deterministic bytes).
    save_figures(plot, args.out)
    for out in args.out:
        log.info("wrote %s (%d study points)", out, len(data.points))
    if args.table is not None:
        write_table(
            durability_table(data, decay.predictions or []), args.table, "durability_figure"
        )
        log.info("wrote %s", args.table)
    return 0
