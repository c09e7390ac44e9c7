"""Agreement of coded values with expert labels, per field (exact match; sets for multi-valued):
trials (:func:`agreement`) and free-text arms (:func:`arm_agreement`).

Used by ``bench/bench_code.py`` and the accuracy unit test.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from trialsynth.code.arms import code_arm_label
from trialsynth.code.codebook import Codebook
from trialsynth.code.fields import FieldSpec
from trialsynth.code.study import FIELDS, CodedStudy
from trialsynth.errors import InputError


@dataclass(frozen=True)
class Disagreement:
    """One field of one study where coder and label differ."""

    nct_id: str
    field: str
    expected: str
    got: str


def read_labels(path: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    """``labels.csv`` (``nct_id`` plus one column per field) as ``{nct_id: {field: value}}``."""
    rows = _read_label_rows(Path(path), ("nct_id", *FIELDS), "labels.csv")
    return {r["nct_id"]: {f: r[f] for f in FIELDS} for r in rows}


def _read_label_rows(path: Path, columns: tuple[str, ...], layout: str) -> list[dict[str, str]]:
    """Rows of a hand-labelled CSV; a missing file or column is an :class:`InputError`."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError as exc:
        raise InputError("file not found", path=path) from exc
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise InputError(f"missing column(s) {missing}", path=path, hint=f"use {layout} layout")
    return rows


def same(spec: FieldSpec, expected: str, got: str) -> bool:
    """Exact match; for multi-valued fields the sets must match."""
    if spec.multi_valued:
        return set(expected.split(";")) == set(got.split(";"))
    return expected == got


def _tally(
    counts: dict[str, tuple[int, int]],
    wrong: list[Disagreement],
    pair: Disagreement,
    spec: FieldSpec,
) -> None:
    """Count one compared value in ``counts[pair.field]``; keep ``pair`` if the two differ."""
    ok = same(spec, pair.expected, pair.got)
    n_ok, n = counts[pair.field]
    counts[pair.field] = (n_ok + ok, n + 1)
    if not ok:
        wrong.append(pair)


def agreement(
    coded: dict[str, CodedStudy],
    labels: dict[str, dict[str, str]],
    fields: dict[str, FieldSpec],
) -> tuple[dict[str, tuple[int, int]], list[Disagreement]]:
    """Per field ``(agreeing, compared)`` over the labelled studies, and the disagreements
    (``fields``: the codebook's field specs, which say which fields hold sets)."""
    counts = {f: (0, 0) for f in FIELDS}
    wrong: list[Disagreement] = []
    for nct_id, expected in sorted(labels.items()):
        if nct_id not in coded:
            continue
        for f in FIELDS:
            got = coded[nct_id].values[f]
            _tally(counts, wrong, Disagreement(nct_id, f, expected[f], got), fields[f])
    return counts, wrong


def read_arm_labels(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """``arm_labels.csv``: ``arm_text`` and the fields of :data:`ARM_FIELDS`, one row per arm."""
    return _read_label_rows(Path(path), ("arm_text", *ARM_FIELDS), "arm_labels.csv")


#: Fields of an arm's coding compared with the labels.
ARM_FIELDS: tuple[str, ...] = ("drug", "psychotherapy", "psychotherapy_type")


def arm_agreement(
    labels: list[dict[str, str]], codebook: Codebook
) -> tuple[dict[str, tuple[int, int]], list[Disagreement]]:
    """Per field ``(agreeing, compared)`` of :func:`code_arm_label` on each ``arm_text``, and
    the disagreements (their ``nct_id`` holds the arm text)."""
    counts = {f: (0, 0) for f in ARM_FIELDS}
    wrong: list[Disagreement] = []
    for row in labels:
        coded = code_arm_label(row["arm_text"], codebook)
        for f in ARM_FIELDS:
            got = str(getattr(coded, f))
            _tally(counts, wrong, Disagreement(row["arm_text"], f, row[f], got), codebook.fields[f])
    return counts, wrong
