"""PRISMA 2020 flow diagram drawn from ``prisma.json`` (plotnine).

Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline for
reporting systematic reviews. BMJ 2021;372:n71, Figure 1 ("new systematic reviews which
included searches of databases and registers only"). Boxes follow the template's order:
identification (databases and registers apart) -> records removed before screening -> records
screened -> excluded with reasons, and awaiting a reviewer's decision -> studies included with
their reports. Screening here decides one study (a trial with its reports) at a time, so the
screening boxes count studies and name the records they hold.
"""

from __future__ import annotations

import itertools
import textwrap
from dataclasses import dataclass
from typing import Any

import pandas as pd

from trialsynth.errors import InputError

#: What kind of source each identification key of prisma.json is, and its display name.
SOURCES = {"pubmed": ("Databases", "PubMed"), "ctgov": ("Registers", "ClinicalTrials.gov")}
PHASES = ("Identification", "Screening", "Included")
LINE = 0.17  # inches per text line
WRAP = 54  # characters per line in a box


@dataclass(frozen=True)
class FlowBox:
    """One box: its phase, column (0 main, 1 side), lines of text."""

    phase: str
    column: int
    lines: tuple[str, ...]


def _reasons(counts: dict[str, Any]) -> list[str]:
    return [f"  {str(reason).replace('_', ' ')} (n = {n})" for reason, n in counts.items()]


def _require(prisma: dict[str, Any], *keys: str) -> None:
    missing = [key for key in keys if key not in prisma]
    if missing:
        raise InputError(
            f"prisma.json lacks {', '.join(missing)}",
            record="prisma.json",
            hint="write it with `trialsynth screen` of the same version",
        )


def flow_boxes(prisma: dict[str, Any]) -> list[FlowBox]:
    """The boxes of the diagram, in PRISMA 2020 order, with their counts."""
    _require(
        prisma,
        "identified",
        "duplicates_removed",
        "removed_other_reasons",
        "records_screened",
        "studies_screened",
        "excluded",
        "excluded_by_reason",
        "awaiting_review",
        "awaiting_review_by_reason",
        "studies_included",
        "reports_of_included_studies",
    )
    identified = prisma["identified"]
    by_kind: dict[str, list[str]] = {"Databases": [], "Registers": []}
    for key in sorted(identified):
        kind, name = SOURCES.get(key, ("Databases", key))
        by_kind[kind].append(f"  {name} (n = {identified[key]})")
    lines = ["Records identified from:"]
    for kind, entries in by_kind.items():
        if entries:
            lines += [f"{kind}:", *entries]
    removed = [
        "Records removed before screening:",
        f"  Duplicate records (n = {prisma['duplicates_removed']})",
        f"  Records removed for other reasons (n = {prisma['removed_other_reasons']})",
        *_reasons(prisma.get("removed_other_by_reason") or {}),
    ]
    screened = [
        f"Records screened (n = {prisma['records_screened']})",
        f"grouped into {prisma['studies_screened']} studies",
    ]
    records = prisma.get("excluded_records", prisma["excluded"])
    excluded = [
        f"Studies excluded (n = {prisma['excluded']}; records n = {records}), with reasons:",
        *_reasons(prisma["excluded_by_reason"]),
    ]
    awaiting = [
        f"Studies awaiting a reviewer's decision (n = {prisma['awaiting_review']}),",
        "with reasons:",
        *_reasons(prisma["awaiting_review_by_reason"]),
    ]
    included = [
        f"Studies included in review (n = {prisma['studies_included']})",
        f"Reports of included studies (n = {prisma['reports_of_included_studies']})",
    ]
    return [
        FlowBox("Identification", 0, tuple(lines)),
        FlowBox("Identification", 1, tuple(removed)),
        FlowBox("Screening", 0, tuple(screened)),
        FlowBox("Screening", 1, tuple(excluded)),
        FlowBox("Screening", 1, tuple(awaiting)),
        FlowBox("Included", 0, tuple(included)),
    ]


def _wrap(lines: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for line in lines:
        indent = "    " if line.startswith("  ") else ""
        out += textwrap.wrap(line, WRAP, subsequent_indent=indent) or [""]
    return out


def draw_prisma_flow(prisma: dict[str, Any]) -> Any:
    """Build the plotnine figure of the PRISMA 2020 flow diagram."""
    import plotnine as p9

    boxes = flow_boxes(prisma)
    columns = {0: (0.55, 3.85), 1: (4.45, 7.9)}
    rects, texts, arrows, bands = [], [], [], []
    top = 0.0
    main_box: dict[str, tuple[float, float, float, float]] = {}
    for phase in PHASES:
        phase_top = top
        cursor = {0: top, 1: top}
        for box in (b for b in boxes if b.phase == phase):
            wrapped = _wrap(box.lines)
            x0, x1 = columns[box.column]
            y1 = cursor[box.column]
            y0 = y1 - (len(wrapped) * LINE + 0.2)
            rects.append({"xmin": x0, "xmax": x1, "ymin": y0, "ymax": y1})
            for i, line in enumerate(wrapped):
                texts.append({"x": x0 + 0.1, "y": y1 - 0.1 - (i + 0.5) * LINE, "label": line})
            if box.column == 0:
                main_box[phase] = (x0, x1, y0, y1)
            else:
                main = main_box.get(phase)
                if main is not None:
                    mid = (y0 + y1) / 2
                    if mid >= main[2]:  # level with the main box: from its right edge
                        mid = min((main[2] + main[3]) / 2, mid)
                        arrows.append({"x": main[1], "xend": x0, "y": mid, "yend": mid})
                    else:  # below it: from the connector that runs down the main column
                        start = (main[0] + main[1]) / 2
                        arrows.append({"x": start, "xend": x0, "y": mid, "yend": mid})
            cursor[box.column] = y0 - 0.2
        bottom = min(cursor.values())
        bands.append(
            {
                "xmin": 0.05,
                "xmax": 0.35,
                "ymin": bottom + 0.1,
                "ymax": phase_top,
                "label": phase,
                "y": (bottom + 0.1 + phase_top) / 2,
            }
        )
        top = bottom - 0.25
    for upper, lower in itertools.pairwise(PHASES):
        a, b = main_box[upper], main_box[lower]
        centre = (a[0] + a[1]) / 2
        arrows.append({"x": centre, "xend": centre, "y": a[2], "yend": b[3]})
    band_frame = pd.DataFrame(bands)
    plot = (
        p9.ggplot()
        + p9.geom_rect(
            band_frame,
            p9.aes(xmin="xmin", xmax="xmax", ymin="ymin", ymax="ymax"),
            fill="#9fc5e8",
            color="#6d9eeb",
        )
        + p9.geom_text(
            band_frame, p9.aes(x=0.2, y="y", label="label"), angle=90, size=8, fontweight="bold"
        )
        + p9.geom_rect(
            pd.DataFrame(rects),
            p9.aes(xmin="xmin", xmax="xmax", ymin="ymin", ymax="ymax"),
            fill="white",
            color="#333333",
            size=0.4,
        )
        + p9.geom_text(
            pd.DataFrame(texts),
            p9.aes(x="x", y="y", label="label"),
            ha="left",
            va="center_baseline",
            size=7,
        )
        + p9.geom_segment(
            pd.DataFrame(arrows),
            p9.aes(x="x", xend="xend", y="y", yend="yend"),
            arrow=p9.arrow(length=0.08, type="closed"),
            size=0.4,
            color="#333333",
        )
        + p9.coord_cartesian(xlim=(0, 8.0), ylim=(top, 0.05), expand=False)
        + p9.theme_void()
        + p9.theme(
            figure_size=(8.0, -top + 0.05),
            plot_background=p9.element_rect(fill="white", color="white"),
        )
    )
    return plot
