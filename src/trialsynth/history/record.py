"""A compact record of one run's results, kept under ``reports/history/`` keyed by the snapshot.

A record holds what a reviewer compares between two runs: the snapshot (the sha256 of each raw
manifest, its timestamp and record count), every study with a fingerprint of the records it is
made of (its ``studies.csv`` row and the ``trials.csv`` / ``articles.csv`` rows of its NCT IDs
and PMIDs), every screening decision, and every pooled estimate (k, estimate and confidence
interval on the analysis scale, the measure and its value of no effect). It holds no time of
its own, so a rerun on the same inputs writes the same bytes.

The snapshot key is the first 16 hex digits of the sha256 of the manifests' sha256s (in source
name order): the same raw snapshot gives the same key, whatever else changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.digest import sha256_file, sha256_text
from trialsynth.errors import InputError
from trialsynth.tables import read_table

log = logging.getLogger(__name__)

#: Version of the record layout; :func:`load_record` refuses other versions.
RECORD_VERSION = 1


def snapshot_entry(manifest_path: Path) -> dict[str, Any]:
    """What a record keeps of one raw snapshot: its manifest's sha256, time and count."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the snapshot manifest: {exc}", path=manifest_path) from exc
    counts = manifest.get("counts") or {}
    return {
        "manifest_sha256": sha256_file(manifest_path),
        "data_timestamp": manifest.get("data_timestamp"),
        "records": counts.get("studies_in_snapshot", counts.get("received")),
        "source": manifest.get("source"),
    }


def snapshot_key(snapshots: dict[str, dict[str, Any]]) -> str:
    """The key of a set of snapshots (see the module docstring)."""
    joined = "".join(snapshots[name]["manifest_sha256"] for name in sorted(snapshots))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()[:16]


def _row_digests(df: pd.DataFrame, key: str) -> dict[str, str]:
    """``{key value: sha256 of the row's cells}`` (cells joined with a unit separator)."""
    if df.empty:  # an empty snapshot (a search that found nothing): no rows to fingerprint
        return {}
    columns = [c for c in df.columns if c != "source_file"]  # page layout is not content
    # Each cell as the text pandas' "string" dtype gives it (a missing cell as NUL), joined
    # row by row in plain Python: the same text as ``DataFrame.agg("\x1f".join, axis=1)``
    # without building a Series per row (1.6 s per 10,000 trials).
    cells = [
        df[column].astype("string").fillna("\x00").to_numpy(dtype=object).tolist()
        for column in columns
    ]
    keys = df[key].to_numpy(dtype=object).tolist()
    return {
        str(k): sha256_text("\x1f".join(row))
        for k, row in zip(keys, zip(*cells, strict=True), strict=True)
    }


def _split(cell: str | None) -> list[str]:
    """The IDs of a ``;``-joined cell (none for an empty one)."""
    if cell is None:
        return []
    return [part for part in str(cell).split(";") if part]


def _cells(df: pd.DataFrame, column: str) -> list[Any]:
    """A column's values as a list, a missing value as ``None`` (one conversion per column,
    not a pandas lookup and ``pd.isna`` per cell)."""
    return df[column].to_numpy(dtype=object, na_value=None).tolist()


def study_fingerprints(studies: Path, trials: Path, articles: Path) -> dict[str, str]:
    """``{study_id: fingerprint}``: a study changes when its row or any record in it changes."""
    study_rows = read_table(studies, "studies")
    trial_digests = _row_digests(read_table(trials, "trials"), "nct_id")
    article_digests = _row_digests(read_table(articles, "articles"), "pmid")
    own = _row_digests(study_rows, "study_id")
    fingerprints = {}
    for study_id, nct_ids, pmids in zip(
        _cells(study_rows, "study_id"),
        _cells(study_rows, "nct_ids"),
        _cells(study_rows, "pmids"),
        strict=True,
    ):
        parts = [own[str(study_id)]]
        parts += [trial_digests.get(n, "missing") for n in _split(nct_ids)]
        parts += [article_digests.get(p, "missing") for p in _split(pmids)]
        digest = hashlib.sha256("\x1e".join(parts).encode("ascii")).hexdigest()
        fingerprints[str(study_id)] = digest[:16]
    return fingerprints


def screening_decisions(screening: Path) -> dict[str, str]:
    """``{study_id: decision}`` of ``screening.csv``."""
    df = read_table(screening, "screening")
    return dict(zip(df["study_id"].astype(str), df["decision"].astype(str), strict=True))


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def pooled_estimates(results: list[Path]) -> dict[str, dict[str, Any]]:
    """``{analysis id: k, estimate, ci_lb, ci_ub, measure, null}`` of the result files."""
    from trialsynth.meta.result import load_result

    estimates = {}
    for path in sorted(results):
        result = load_result(path)
        measure = result.effect_measure()
        estimates[path.stem] = {
            "k": int(result.k),
            "estimate": _number(result.estimate),
            "ci_lb": _number(result.ci_lb),
            "ci_ub": _number(result.ci_ub),
            "measure": result.measure,
            "null": measure.null,
        }
    return estimates


def build_record(
    manifests: dict[str, Path],
    studies: Path,
    trials: Path,
    articles: Path,
    screening: Path,
    results: list[Path],
) -> dict[str, Any]:
    """The record of one run (see the module docstring)."""
    snapshots = {name: snapshot_entry(path) for name, path in sorted(manifests.items())}
    return {
        "version": RECORD_VERSION,
        "snapshot_key": snapshot_key(snapshots),
        "snapshots": snapshots,
        "studies": study_fingerprints(studies, trials, articles),
        "screening": screening_decisions(screening),
        "estimates": pooled_estimates(results),
    }


def load_record(path: Path) -> dict[str, Any]:
    """Read a record written by :func:`build_record`.

    Raises
    ------
    InputError
        The file is missing, not JSON, or not a record of this version.
    """
    try:
        record: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            "history record not found",
            path=path,
            hint="give a file of reports/history/ (a run writes one per snapshot)",
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc}", path=path) from exc
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        raise InputError(
            f"not a history record of version {RECORD_VERSION}",
            path=path,
            hint="compare records written by this version of trialsynth",
        )
    return record
