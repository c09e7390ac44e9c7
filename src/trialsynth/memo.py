"""A per-record memo: a stage reuses what it computed for a record whose inputs did not change.

A stage that works record by record (coding a trial, reading a trial's posted results) computes
a pure function of the record's content, the review files the stage reads (codebook, protocol)
and the package's code. :class:`RecordMemo` keeps those results between runs, keyed by the
sha256 of all three, so a refresh in which 1 % of the records changed recomputes that 1 %.

It is a pure memo, never a source of results:

* a key names everything the value depends on: the record's content, the stage's
  ``context`` (the parsed review files it reads) and :func:`code_fingerprint` (the package
  version and the bytes of every module of the package), so an edited codebook, protocol or
  module is a miss, not a stale hit;
* an entry that cannot be read (a truncated or edited line, a value whose checksum or shape is
  wrong) is ignored with one logged warning and recomputed; a missing, unreadable or
  unwritable memo folder is a cold start, never an error;
* a run writes back only the entries it used (hits and new results), so the memo holds the last
  run's records and does not grow from run to run; the file is written atomically
  (:func:`trialsynth.documents.atomic_path`).

The memo of a stage is one text file ``<folder>/<stage>.memo``: a header line
``trialsynth-memo <format> <stage> <context digest>``, then one line per record,
``<key>\\t<first 16 hex digits of the sha256 of the value>\\t<value as JSON>``, in key order.
Deleting the folder is always safe: the next run recomputes everything and writes it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from trialsynth import __version__
from trialsynth.digest import sha256_text
from trialsynth.documents import atomic_path

log = logging.getLogger(__name__)

#: Layout version of the memo file; another layout is a cold start.
FORMAT = "1"
MAGIC = "trialsynth-memo"
#: Hex digits of the value checksum kept on each line (enough to catch an edited value).
CHECK_DIGITS = 16

T = TypeVar("T")


def json_text(obj: Any) -> str:
    """Compact JSON text of ``obj`` (key order as given, UTF-8 characters kept)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def record_digest(record: Any) -> str:
    """sha256 of a record's pickle (protocol 5; three times faster than its JSON text).

    A pickle holds the whole record, so equal digests mean equal records; the same record read
    again gives the same bytes (a record that pickles otherwise is only a miss, never a wrong
    hit).
    """
    return hashlib.sha256(pickle.dumps(record, protocol=5)).hexdigest()


@cache
def code_fingerprint() -> str:
    """sha256 of the package version and of every module of the installed package.

    Part of every key, so a memo written by other code (a new release, an edited module in a
    development checkout) is never read as if it held this code's results.
    """
    digest = hashlib.sha256(__version__.encode("utf-8"))
    root = resources.files("trialsynth")
    stack = [(root, "")]
    files: list[tuple[str, bytes]] = []
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            name = f"{prefix}{entry.name}"
            if entry.is_dir() and entry.name != "__pycache__":
                stack.append((entry, f"{name}/"))
            elif entry.name.endswith((".py", ".json", ".html", ".yaml")):
                files.append((name, entry.read_bytes()))
    for name, data in sorted(files):
        digest.update(f"\0{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


class RecordMemo:
    """The memo of one stage for one run: look up, add, and write back what was used.

    Parameters
    ----------
    folder
        The memo folder (``data/cache`` in the workflow); ``None`` turns the memo off (every
        lookup misses and nothing is written).
    stage
        Names the file (``<folder>/<stage>.memo``); one file per stage.
    context
        JSON-serialisable description of everything besides the record that the stage's
        per-record result depends on (e.g. the parsed codebook); hashed into every key.

    Attributes
    ----------
    hits, misses, rejected
        Lookups answered, lookups not answered, and entries ignored as unreadable.

    Examples
    --------
    >>> memo = RecordMemo(None, "example", {"rule": "drug A"})
    >>> memo.get(memo.key({"id": 1})) is None
    True
    """

    def __init__(self, folder: str | os.PathLike[str] | None, stage: str, context: Any) -> None:
        self.stage = stage
        self.path = Path(folder) / f"{stage}.memo" if folder is not None else None
        self.context = sha256_text(
            json_text({"stage": stage, "code": code_fingerprint(), "context": context})
        )
        self._header = f"{MAGIC} {FORMAT} {stage} {self.context}"
        self._stored: dict[str, str] = {}
        self._used: dict[str, str] = {}
        self.hits = 0
        self.misses = 0
        self.rejected = 0
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            with self.path.open(encoding="utf-8") as handle:
                header = handle.readline().rstrip("\n")
                if header != self._header:
                    if header.startswith(f"{MAGIC} "):
                        log.info(
                            "%s: written for other inputs or code; recomputing every record",
                            self.path,
                        )
                    else:
                        self._reject(f"{self.path}: not a memo file (first line {header[:60]!r})")
                    return
                for number, line in enumerate(handle, start=2):
                    key, _, rest = line.rstrip("\n").partition("\t")
                    if len(key) != 64 or not rest:
                        self._reject(f"{self.path} line {number}: unreadable entry")
                        continue
                    self._stored[key] = rest
        except FileNotFoundError:
            log.debug("%s: no memo yet", self.path)
        except (OSError, UnicodeDecodeError) as exc:
            self._stored.clear()
            self._reject(f"{self.path}: cannot be read ({exc})")

    def _reject(self, why: str) -> None:
        self.rejected += 1
        log.warning("memo entry ignored, the record is recomputed: %s", why)

    def key(self, record: Any) -> str:
        """The key of ``record`` (any JSON value) under this memo's context."""
        return sha256_text(f"{self.context}\0{record_digest(record)}")

    def key_of_digest(self, digest: str) -> str:
        """The key of a record whose :func:`record_digest` is ``digest``."""
        return sha256_text(f"{self.context}\0{digest}")

    def get(self, key: str, decode: Callable[[Any], T] | None = None) -> T | Any | None:
        """The value stored under ``key`` (through ``decode`` when given), or ``None``.

        An entry whose checksum does not match, whose JSON does not parse, or that ``decode``
        rejects (``KeyError``, ``TypeError``, ``ValueError``, ``IndexError``) is a miss with a
        logged warning.
        """
        entry = self._stored.get(key)
        if entry is None:
            self.misses += 1
            return None
        check, _, text = entry.partition("\t")
        try:
            if check != sha256_text(text)[:CHECK_DIGITS]:
                raise ValueError("checksum does not match the value")
            value = json.loads(text)
            result = decode(value) if decode is not None else value
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            del self._stored[key]
            self.misses += 1
            self._reject(f"{self.path} key {key[:12]}: {exc}")
            return None
        self.hits += 1
        self._used[key] = entry
        return result

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable) as the result for ``key``."""
        text = json_text(value)
        self._used[key] = f"{sha256_text(text)[:CHECK_DIGITS]}\t{text}"

    def merge(self, entries: Mapping[str, str]) -> None:
        """Add raw entries (:meth:`raw_entries` of a memo used in a worker process)."""
        self._used.update(entries)

    def raw_entries(self) -> dict[str, str]:
        """The entries used or added in this run, as stored (for :meth:`merge`)."""
        return dict(self._used)

    def save(self) -> None:
        """Write the entries used in this run, in key order, atomically; a folder that cannot
        be written is logged and skipped (the memo is an optimisation, never required)."""
        if self.path is None:
            return
        lines = [self._header, *(f"{k}\t{self._used[k]}" for k in sorted(self._used))]
        try:
            with atomic_path(self.path) as tmp:
                tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as exc:
            log.warning("%s: memo not written (%s); the next run recomputes", self.path, exc)
            return
        log.info(
            "%s: %d records reused, %d computed, %d entries kept",
            self.path,
            self.hits,
            self.misses,
            len(self._used),
        )
