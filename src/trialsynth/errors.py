"""Typed exceptions shared by every stage.

Every error a user can cause says *where* (file, record, column) and *how to fix it*; the CLI
prints the message and exits with a non-zero status instead of a traceback.
"""

from __future__ import annotations

#: Words that already say what kind of place a ``record`` is ("row 3", "line 2", "key meta.method").
_LOCATORS = frozenset({"row", "line", "key", "column", "byte", "page", "record", "study", "PMID"})


class TrialsynthError(Exception):
    """Base class for errors reported to the user without a traceback."""

    exit_code = 1


class InputError(TrialsynthError):
    """Bad input data: names the file, the record and how to fix it.

    Parameters
    ----------
    message
        What is wrong.
    path
        The file that holds the bad input.
    record
        The record (row number, NCT ID, PMID, key) inside the file.
    hint
        How to fix the input.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: object | None = None,
        record: object | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.record = None if record is None else str(record)
        self.hint = hint
        parts = []
        if self.path:
            parts.append(self.path)
        if self.record:
            locator = self.record.split(" ", 1)[0]
            parts.append(self.record if locator in _LOCATORS else f"record {self.record}")
        where = ": ".join(parts)
        text = f"{where}: {message}" if where else message
        if hint:
            text += f" (fix: {hint})"
        super().__init__(text)


class SchemaError(InputError):
    """A table or config file does not match its JSON Schema."""


class ProtocolError(InputError):
    """``analysis/protocol.yaml`` (or another review file) is invalid."""


class FetchError(TrialsynthError):
    """A request to a registry failed after its retries; names the URL and the cause."""

    exit_code = 3


class MetaAnalysisError(TrialsynthError):
    """A model cannot be fitted (bad data, or an estimator that did not converge)."""

    exit_code = 4


class ConvergenceError(MetaAnalysisError):
    """An iterative estimator (REML, ML, PM, Q-profile) did not converge."""
