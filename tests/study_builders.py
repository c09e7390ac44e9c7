"""Builders for the link and screen tests: full-contract tables from a few columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from trialsynth.tables import load_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "link"


def frame(schema: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A table with every column of ``schema``; cells not given are empty."""
    columns = list(load_schema(schema)["properties"])
    df = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    return df.astype("object").where(df.notna(), None)


def trial(nct_id: str, refs: list[tuple[str, str]] | None = None, **cells: Any) -> dict[str, Any]:
    """A trials.csv row with ``references`` built from (pmid, type) pairs."""
    row: dict[str, Any] = {
        "nct_id": nct_id,
        "study_type": "INTERVENTIONAL",
        "source_file": "page-0001.json",
    }
    if refs:
        row["references"] = json.dumps([{"pmid": p, "type": t, "citation": "x"} for p, t in refs])
        row["pmids"] = ";".join(sorted({p for p, _ in refs}, key=int))
    row.update(cells)
    return row


def article(pmid: str, **cells: Any) -> dict[str, Any]:
    """An articles.csv row."""
    row: dict[str, Any] = {"pmid": pmid, "source_file": "efetch-0001.xml"}
    row.update(cells)
    return row


#: A small eligibility section, independent of the shipped review's protocol.
ELIGIBILITY: dict[str, Any] = {
    "registry": {
        "study_type": {"include": ["INTERVENTIONAL"], "exclude": ["OBSERVATIONAL"]},
        "design": {"include": ["RCT", "single_arm"], "exclude": ["observational"]},
        "drug": {"include": ["ketamine", "esketamine"], "exclude": ["none"]},
        "condition": {"include": ["TRD", "PTSD"], "exclude": ["chronic_pain"]},
    },
    "publications": {
        "publication_types": {
            "trial": ["Randomized Controlled Trial"],
            "exclude": ["Review", "Letter"],
        },
        "trial_terms": [r"\brandomi[sz]ed\b", r"\bopen[- ]label\b"],
        "drug_terms": [r"\b(?:es)?ketamine\b"],
        "condition_terms": [r"depressi", r"\bPTSD\b"],
        "out_of_scope_condition_terms": [r"\bpain\b"],
        "non_human_terms": [r"\brats?\b", r"\bmice\b"],
        "human_terms": [r"\bpatients?\b"],
        "human_mesh": ["Humans"],
    },
}
