"""Shared fixtures of the coding tests: the shipped codebook and the real labelled records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trialsynth.code import Codebook, load_codebook

ROOT = Path(__file__).resolve().parents[3]
CODEBOOK = ROOT / "analysis" / "codebook.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "code"
RECORDS = FIXTURES / "records"
LABELS = FIXTURES / "labels.csv"


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    """The shipped codebook, compiled once."""
    return load_codebook(CODEBOOK)


def real_record(nct_id: str) -> dict[str, Any]:
    """One of the 46 real transcribed records."""
    return json.loads((RECORDS / f"{nct_id}.json").read_text(encoding="utf-8"))


def make_study(
    nct_id: str = "NCT09999999",
    *,
    title: str = "A Study",
    conditions: list[str] | None = None,
    summary: str | None = None,
    eligibility: str | None = None,
    allocation: str | None = None,
    interventions: list[dict[str, Any]] | None = None,
    arms: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A minimal CT.gov v2 study with only the given parts."""
    section: dict[str, Any] = {
        "identificationModule": {"nctId": nct_id, "briefTitle": title},
        "designModule": {"studyType": "INTERVENTIONAL"},
    }
    if conditions is not None:
        section["conditionsModule"] = {"conditions": conditions}
    if summary is not None:
        section["descriptionModule"] = {"briefSummary": summary}
    if eligibility is not None:
        section["eligibilityModule"] = {"eligibilityCriteria": eligibility}
    if allocation is not None:
        section["designModule"]["designInfo"] = {"allocation": allocation}
    arms_module: dict[str, Any] = {}
    if interventions is not None:
        arms_module["interventions"] = interventions
    if arms is not None:
        arms_module["armGroups"] = arms
    if arms_module:
        section["armsInterventionsModule"] = arms_module
    return {"protocolSection": section}
