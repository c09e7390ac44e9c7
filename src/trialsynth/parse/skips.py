"""Counting, logging and listing the records a parser skips.

A skipped record is never dropped silently: it is logged at WARNING, counted by reason and
listed in the ``--skipped`` CSV (``source_file, record, reason``; schema
``trialsynth/schemas/skipped.schema.json``).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from trialsynth.tables import write_table

log = logging.getLogger(__name__)

SKIPPED_COLUMNS = ("source_file", "record", "reason")


@dataclass
class SkipLog:
    """Records skipped while parsing, in the order they were met."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    #: Log level of each skip (WARNING; DEBUG for a second pass over the same files).
    level: int = logging.WARNING

    def skip(self, source_file: str, record: str, reason: str) -> None:
        """Log and remember one skipped record."""
        log.log(self.level, "skipped %s in %s: %s", record, source_file, reason)
        self.rows.append((source_file, record, reason))

    def counts(self) -> Counter[str]:
        """Number of skipped records per reason."""
        return Counter(reason for _, _, reason in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self) -> pd.DataFrame:
        """The skipped records as a table with the columns of :data:`SKIPPED_COLUMNS`."""
        return pd.DataFrame(self.rows, columns=list(SKIPPED_COLUMNS), dtype="string")

    def write(self, target: str | os.PathLike[str]) -> None:
        """Write the skipped-records CSV atomically (a header only when nothing was skipped)."""
        write_table(self.to_frame(), target, "skipped")
