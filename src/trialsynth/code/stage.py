"""The coding stage: CT.gov inputs -> coded studies -> ``coding.csv`` (what ``trialsynth code``
and the workflow's coding rule run)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from trialsynth.code.arms import ARM_COLUMNS
from trialsynth.code.codebook import Codebook
from trialsynth.code.overrides import apply_overrides, load_overrides
from trialsynth.code.reuse import code_memo, code_snapshot
from trialsynth.code.schemas import schema_with_values
from trialsynth.code.study import FIELDS, CodedStudy
from trialsynth.errors import InputError
from trialsynth.memo import RecordMemo
from trialsynth.tables import validate_table, write_table

log = logging.getLogger(__name__)

#: Column order of coding.csv.
COLUMNS: tuple[str, ...] = (
    "nct_id",
    *FIELDS,
    *(f"evidence_{f}" for f in FIELDS),
    "flags",
    "decided_by",
)


def default_jobs() -> int:
    """Worker processes used by default: the CPUs available, at most 8."""
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


def code_inputs(
    paths: Sequence[str | Path],
    codebook: Codebook,
    skipped: list[str] | None = None,
    jobs: int = 1,
    with_arms: bool = False,
    memo: RecordMemo | None = None,
) -> dict[str, CodedStudy]:
    """Code every study found in ``paths`` (files, folders, pages); ``with_arms`` also codes
    every arm.

    The version of each NCT ID every stage reads is coded (newest ``lastUpdatePostDate``,
    :mod:`trialsynth.parse.ctgov_pages`), in one pass over the files; a trial whose coding
    ``memo`` holds (:func:`trialsynth.code.reuse.code_memo`) is not coded again, and many
    trials to code go to ``jobs`` worker processes (:func:`trialsynth.code.reuse.
    code_snapshot`). The output depends neither on ``jobs`` nor on the memo.
    """
    memo = memo if memo is not None else code_memo(None, codebook, with_arms)
    return code_snapshot(paths, codebook, memo, skipped, jobs, with_arms)


def coding_frame(coded: dict[str, CodedStudy]) -> pd.DataFrame:
    """coding.csv as a DataFrame (columns :data:`COLUMNS`, one row per NCT ID)."""
    rows = [coded[k].row() for k in sorted(coded)]
    return pd.DataFrame(rows, columns=list(COLUMNS), dtype="object")


def arms_frame(coded: dict[str, CodedStudy]) -> pd.DataFrame:
    """arms.csv as a DataFrame (columns :data:`ARM_COLUMNS`, one row per study and arm)."""
    rows = [
        arm.row(nct_id, index)
        for nct_id in sorted(coded)
        for index, arm in enumerate(coded[nct_id].arms)
    ]
    frame = pd.DataFrame(rows, columns=list(ARM_COLUMNS), dtype="object")
    frame["arm_index"] = frame["arm_index"].astype("Int64")
    return frame


def run_coding(
    paths: Sequence[str | Path],
    codebook: Codebook,
    out: str | os.PathLike[str],
    overrides: str | os.PathLike[str] | None = None,
    jobs: int = 1,
    arms_out: str | os.PathLike[str] | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> dict[str, CodedStudy]:
    """Code (in ``jobs`` processes), apply reviewer overrides, validate against
    ``coding.schema.json`` with the codebook's values and write ``out`` atomically; with
    ``arms_out``, also write arms.csv (:func:`arms_frame`). Returns the coded studies.

    ``cache`` is the memo folder (:mod:`trialsynth.memo`, file ``code.memo``): trials coded
    by an earlier run from the same record, codebook and package are reused, and the memo is
    rewritten with this run's trials. It never changes a table.
    """
    skipped: list[str] = []
    memo = code_memo(cache, codebook, with_arms=arms_out is not None)
    coded = code_inputs(paths, codebook, skipped, jobs, arms_out is not None, memo)
    if not coded and skipped:
        raise InputError(
            "no studies with a valid NCT ID found",
            path=", ".join(str(p) for p in paths),
            hint="pass CT.gov v2 study files, /studies page files or a snapshot folder",
        )
    if not coded:
        # A snapshot whose search found nothing (as parse ctgov reads it): empty tables.
        log.warning("%s: no study records; writing header-only tables", ", ".join(map(str, paths)))
    if overrides is not None:
        unmatched = apply_overrides(coded, load_overrides(overrides, codebook))
        if unmatched:
            log.warning("%d override(s) named studies not in the input", unmatched)
    frame = coding_frame(coded)
    validate_table(frame, schema_with_values("coding", codebook), path=out)
    if arms_out is not None:
        arms = arms_frame(coded)
        validate_table(arms, schema_with_values("arms", codebook), path=arms_out)
        without = sum(1 for c in coded.values() if not c.arms)
        log.info(
            "arms: %d arms of %d studies (%d studies list no arm group, so no row)",
            len(arms),
            len(coded) - without,
            without,
        )
    write_table(frame, out, "coding")
    if arms_out is not None:
        write_table(arms, arms_out, "arms")
    memo.save()
    flagged = sum(1 for c in coded.values() if c.flags)
    log.info(
        "wrote %s: %d studies (%d flagged, %d reviewer-decided, %d skipped)",
        out,
        len(coded),
        flagged,
        sum(1 for c in coded.values() if c.decided_by),
        len(skipped),
    )
    return coded
