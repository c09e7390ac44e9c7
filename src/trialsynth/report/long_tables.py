"""Per-record tables of the report at registry scale: shown up to a limit, always complete as CSV.

A review of a few dozen trials shows every screening decision, every coded label's evidence and
every study left out of an analysis on the page. A registry-scale run has tens of thousands of
them: a page that holds them all runs to tens of megabytes and is read by nobody. As the
Cochrane Handbook (ch. 4.6) and PRISMA 2020 (item 16a) ask, the page keeps the counts (the
PRISMA flow, the reasons for exclusion with their numbers, the included studies by condition,
drug and design) and the tables list their records up to :data:`DEFAULT_TABLE_ROWS` rows (the
protocol's ``report.table_rows``). Beyond it a table shows its first rows in file order and
says so ("Showing 1,000 of 22,808 screening decisions; full table:
tables/screening_decisions.csv"), and the full table is a CSV written next to the report
(:func:`write_full_table`). Nothing is cut without being counted on the page.

Figures follow the same rule: a PNG up to ``report.embed_figure_kb`` (default
:data:`DEFAULT_EMBED_FIGURE_KB`) is embedded, so the page stays one file; a larger one (a forest
plot of several hundred studies is a 21,000-pixel-high PNG of several megabytes) is linked
relatively with its size on the page.
"""

from __future__ import annotations

import csv
import io
import operator
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialsynth.documents import atomic_path, write_text_atomic

#: Rows of a per-record table shown on the page (protocol ``report.table_rows``).
DEFAULT_TABLE_ROWS = 1000
#: Largest PNG, in KiB, embedded in the page (protocol ``report.embed_figure_kb``).
DEFAULT_EMBED_FIGURE_KB = 1024

#: The full tables written next to the report (``reports/tables/``), by table name.
FULL_TABLES = {
    "screening": "screening_decisions.csv",
    "included": "included_studies.csv",
    "evidence": "coding_evidence.csv",
    "exclusions": "outcome_exclusions.csv",
    "gap": "registry_gap.csv",
}


@dataclass(frozen=True)
class DisplayLimits:
    """How much of a registry-scale run the page holds (protocol ``report``)."""

    table_rows: int = DEFAULT_TABLE_ROWS
    embed_figure_kb: int = DEFAULT_EMBED_FIGURE_KB

    @classmethod
    def from_protocol(cls, protocol: Mapping[str, Any]) -> DisplayLimits:
        """The limits of the protocol's ``report`` block, the defaults for keys it omits."""
        block = protocol.get("report") or {}
        return cls(
            table_rows=int(block.get("table_rows", DEFAULT_TABLE_ROWS)),
            embed_figure_kb=int(block.get("embed_figure_kb", DEFAULT_EMBED_FIGURE_KB)),
        )

    def embeds(self, size_bytes: int) -> bool:
        """True when a figure of ``size_bytes`` is embedded in the page."""
        return size_bytes <= self.embed_figure_kb * 1024


@dataclass(frozen=True)
class LongTable:
    """A per-record table as the page shows it: every row, the limit, and the full CSV's link.

    Parameters
    ----------
    rows
        Every row of the table (the page shows ``rows[:limit]``).
    limit
        Rows shown on the page.
    what
        What one row is, in the plural ("screening decisions").
    href
        The full table, relative to the report (``None`` when it was not written).
    count
        Rows of the full table when ``rows`` holds only its first rows (a table the report
        never loads whole); ``None``: ``rows`` is the whole table.
    """

    rows: Sequence[Any]
    limit: int
    what: str
    href: str | None = None
    count: int | None = None

    @property
    def total(self) -> int:
        """Rows of the full table."""
        return len(self.rows) if self.count is None else self.count

    @property
    def truncated(self) -> bool:
        """True when the page shows fewer rows than the table has."""
        return self.total > self.limit

    @property
    def shown(self) -> Sequence[Any]:
        """The rows the page lists: all of them, or the first ``limit`` in file order."""
        return self.rows[: self.limit] if len(self.rows) > self.limit else self.rows

    def notice(self) -> str:
        """What the page says above a cut table ("" when nothing is cut)."""
        if not self.truncated:
            return ""
        where = f"full table: {self.href}" if self.href else "the full table was not written"
        return f"Showing {self.limit:,} of {self.total:,} {self.what}; {where}."


def relative_href(path: Path, report: Path) -> str:
    """``path`` as a link from the page ``report`` (POSIX separators, as a URL needs)."""
    return Path(os.path.relpath(path, report.parent)).as_posix()


def copy_table(source: Path, target: Path) -> None:
    """Write ``source``'s bytes to ``target`` atomically (a full table that is an input as is)."""
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)


def write_full_table(
    target: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> None:
    """Write ``rows`` (dicts) as CSV with ``columns`` in order, ``\\n`` line endings, atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    # One C-level lookup per row (DictWriter converts each dict in Python); when a row lacks a
    # column, every row is written as DictWriter writes it (the cell empty).
    cells = operator.itemgetter(*columns)
    try:
        writer.writerows(map(cells, rows) if len(columns) > 1 else ((cells(r),) for r in rows))
    except KeyError:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([row.get(column, "") for column in columns] for row in rows)
    write_text_atomic(target, buffer.getvalue())


@dataclass(frozen=True)
class LinkedFigure:
    """A figure too large to embed: its link from the page and its size."""

    href: str
    size_bytes: int

    @property
    def size(self) -> str:
        """The file's size as a reader reads it ("5.2 MB", "830 KB")."""
        if self.size_bytes >= 1024 * 1024:
            return f"{self.size_bytes / (1024 * 1024):.1f} MB"
        return f"{self.size_bytes / 1024:.0f} KB"
