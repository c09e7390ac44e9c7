"""The run history folder (``reports/history/``): one record per snapshot and the order of runs.

``<key>.json`` is the record of a run on snapshot ``<key>`` (see
:mod:`trialsynth.history.record`); a later run on the same snapshot whose results differ (new
reviewer decisions, a changed protocol) is kept as ``<key>-2.json``, ``<key>-3.json``...
``index.json`` lists the kept records in the order of their runs; a run whose results equal the
last kept ones adds nothing. The previous run is the entry before the last. The folder outlives
the workflow's outputs (``make clean`` keeps it), so it is the memory of a living review.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from trialsynth.documents import write_json_atomic
from trialsynth.errors import InputError
from trialsynth.history.record import load_record

log = logging.getLogger(__name__)

INDEX = "index.json"


def read_index(folder: Path) -> list[str]:
    """The names of the records kept in ``folder``, oldest first (empty when none)."""
    path = folder / INDEX
    if not path.exists():
        return []
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc}", path=path, hint="restore it or delete it to start a new history"
        ) from exc
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise InputError("not a list of record names", path=path)
    return keys


def _free_name(folder: Path, key: str) -> str:
    """``key``, or ``key-2``, ``key-3``... when a record of that snapshot is already kept."""
    name, number = key, 1
    while (folder / f"{name}.json").exists():
        number += 1
        name = f"{key}-{number}"
    return name


def keep_record(folder: Path, record: dict[str, Any]) -> dict[str, Any] | None:
    """Keep ``record`` in ``folder`` when its results differ from the last run's, and return
    the record of the previous run (None when there is none).

    A run whose record equals the last one (a rerun that changed nothing) adds nothing, so the
    report keeps comparing with the run before.
    """
    names = read_index(folder)
    last = load_record(folder / f"{names[-1]}.json") if names else None
    if record != last:
        name = _free_name(folder, record["snapshot_key"])
        write_json_atomic(folder / f"{name}.json", record)
        names.append(name)
        write_json_atomic(folder / INDEX, names)
        log.info("kept the record of this run as %s", folder / f"{name}.json")
    if len(names) < 2:
        return None
    return load_record(folder / f"{names[-2]}.json")


def resolve(folder: Path, name: str) -> Path:
    """A record given as a path, or by its name in ``folder`` (a snapshot key, ``key-2``...,
    ``previous`` or ``latest``)."""
    path = Path(name)
    if path.suffix == ".json" or path.exists():
        return path
    keys = read_index(folder)
    if name in ("latest", "previous"):
        wanted = -1 if name == "latest" else -2
        if len(keys) < -wanted:
            raise InputError(f"the history has no {name} run", path=folder / INDEX)
        return folder / f"{keys[wanted]}.json"
    return folder / f"{name}.json"
