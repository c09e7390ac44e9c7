"""Codes for sheet arms the curators did not code: the arm coder on the arm's words, and the
study's registry coding for the study-level fields.

Sheets that code their arms (``drug``, ``psychotherapy``, ...) keep the curators' codes. For a
sheet without them, each arm label is coded by :func:`trialsynth.code.arms.code_arm_label`
(the same rules as a registry arm: the drug of the review the words name, or the codebook's
``not_stated`` value; the therapy they name), and ``condition``, ``design`` and ``route`` are
taken from the study's row of ``coding.csv`` when the study is a registered trial. Every row
says where its codes came from (``arm_codes_from``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from trialsynth.code.arms import code_arm_label
from trialsynth.code.codebook import Codebook

#: Study-level fields filled from the registry coding when the sheet has none.
STUDY_FIELDS = ("condition", "design", "route")


def code_sheet_arms(
    rows: list[dict[str, Any]],
    codebook: Codebook | None,
    trials: Mapping[str, Mapping[str, Any]],
) -> dict[str, int]:
    """Fill the codes of sheet rows without them, in place; returns counts by origin.

    ``trials`` holds the ``coding.csv`` rows by NCT ID (:func:`trialsynth.outcomes.analyses.
    study_maps`, converted once for the arm coder and the analyses)."""
    counts = {"sheet": 0, "arm_coder": 0, "uncoded": 0}
    for row in rows:
        if row["source_kind"] != "publication":
            continue
        if row["drug"] is not None or row["psychotherapy"] is not None:
            row["arm_codes_from"] = "sheet"
            counts["sheet"] += 1
            continue
        if codebook is None:
            counts["uncoded"] += 1
            continue
        coded = code_arm_label(str(row["group"]), codebook, f"{row['record_id']} arm")
        row.update(
            drug=coded.drug,
            psychotherapy=coded.psychotherapy,
            psychotherapy_type=coded.psychotherapy_type,
        )
        origin = [f"arm coder on {row['group']!r}"]
        study = trials.get(str(row["nct_id"] or ""))
        if study is not None:
            for fld in STUDY_FIELDS:
                value = study.get(fld)
                if row[fld] is None and value is not None and not pd.isna(value):
                    row[fld] = str(value)
            origin.append(f"study codes from coding.csv {row['nct_id']}")
        row["arm_codes_from"] = "; ".join(origin)
        counts["arm_coder"] += 1
    return counts
