"""The coding stage: CT.gov inputs -> coded studies -> ``coding.csv`` (what ``trialsynth code``
and the workflow's coding rule run)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from trialsynth.coding.codebook import Codebook
from trialsynth.coding.inputs import load_input_studies
from trialsynth.coding.overrides import apply_overrides, load_overrides
from trialsynth.coding.study import FIELDS, CodedStudy, code_study
from trialsynth.errors import InputError
from trialsynth.tables import write_table

log = logging.getLogger(__name__)

#: Column order of coding.csv.
COLUMNS: tuple[str, ...] = (
    "nct_id",
    *FIELDS,
    *(f"evidence_{f}" for f in FIELDS),
    "flags",
    "decided_by",
)


def code_inputs(
    paths: Sequence[str | Path], codebook: Codebook, skipped: list[str] | None = None
) -> dict[str, CodedStudy]:
    """Code every study found in ``paths`` (files, folders, pages), by NCT ID in sorted order."""
    studies = load_input_studies(paths, skipped)
    coded: dict[str, CodedStudy] = {}
    for nct_id in sorted(studies):
        item = studies[nct_id]
        try:
            coded[nct_id] = code_study(item.study, codebook)
        except InputError as exc:
            raise InputError(str(exc), path=item.path, record=f"{item.record} {nct_id}") from exc
    return coded


def coding_frame(coded: dict[str, CodedStudy]) -> pd.DataFrame:
    """coding.csv as a DataFrame (columns :data:`COLUMNS`, one row per NCT ID)."""
    rows = [coded[k].row() for k in sorted(coded)]
    return pd.DataFrame(rows, columns=list(COLUMNS), dtype="object")


def run_coding(
    paths: Sequence[str | Path],
    codebook: Codebook,
    out: str | os.PathLike[str],
    overrides: str | os.PathLike[str] | None = None,
) -> dict[str, CodedStudy]:
    """Code, apply reviewer overrides, validate against ``coding.schema.json`` and write
    ``out`` atomically. Returns the coded studies."""
    skipped: list[str] = []
    coded = code_inputs(paths, codebook, skipped)
    if not coded:
        raise InputError(
            "no studies with a valid NCT ID found",
            path=", ".join(str(p) for p in paths),
            hint="pass CT.gov v2 study files, /studies page files or a snapshot folder",
        )
    if overrides is not None:
        unmatched = apply_overrides(coded, load_overrides(overrides))
        if unmatched:
            log.warning("%d override(s) named studies not in the input", unmatched)
    write_table(coding_frame(coded), out, "coding")
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
