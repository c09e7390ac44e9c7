"""trials.csv from real CT.gov v2 records (tests/fixtures/records/ctgov, see PROVENANCE.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from trialsynth.parse.cells import json_cell
from trialsynth.parse.ctgov_flatten import TRIAL_COLUMNS
from trialsynth.parse.ctgov_parse import parse_ctgov, write_trials
from trialsynth.parse.skips import SkipLog
from trialsynth.tables import load_schema, read_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "ctgov"
RECORDS = sorted((FIXTURES / "records").glob("NCT*.json"))


def load(name: str) -> dict[str, Any]:
    """One fixture record (``records/`` or ``examples/``)."""
    for folder in ("records", "examples"):
        path = FIXTURES / folder / name
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(name)


def write_page(raw: Path, number: int, studies: list[Any]) -> Path:
    raw.mkdir(parents=True, exist_ok=True)
    path = raw / f"page-{number:04d}.json"
    path.write_text(json.dumps({"studies": studies}), encoding="utf-8")
    return path


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A snapshot of the 46 transcribed ketamine records and three verbatim examples,
    split over two pages like a paged fetch."""
    studies = [json.loads(p.read_text(encoding="utf-8")) for p in RECORDS]
    folder = tmp_path / "ctgov"
    write_page(folder, 1, studies[:25])
    wrapper = load("NCT06388018_studies_wrapper.json")["studies"]
    extra = [load("NCT02278341.json"), load("NCT00465816.json"), *wrapper]
    write_page(folder, 2, studies[25:] + extra)
    return folder


@pytest.fixture
def trials(raw: Path) -> pd.DataFrame:
    return parse_ctgov(raw).set_index("nct_id", drop=False)


def test_one_row_per_nct_id_sorted(trials: pd.DataFrame) -> None:
    assert len(RECORDS) == 46
    assert len(trials) == 49
    assert list(trials.columns) == list(TRIAL_COLUMNS)
    assert trials["nct_id"].is_unique
    assert list(trials["nct_id"]) == sorted(trials["nct_id"])


def test_transform1_design_fields(trials: pd.DataFrame) -> None:
    row = trials.loc["NCT02417064"]
    assert row["acronym"] == "TRANSFORM-1"
    assert row["phases"] == "PHASE3"
    assert row["study_type"] == "INTERVENTIONAL"
    assert row["allocation"] == "RANDOMIZED"
    assert row["intervention_model"] == "PARALLEL"
    assert row["masking"] == "DOUBLE"
    assert row["enrollment"] == 346
    assert row["overall_status"] == "COMPLETED"
    assert row["conditions"] == "Treatment-resistant Depression"
    assert row["first_post_date"] == "2015-04-15"
    assert row["last_update_post_date"] == "2025-04-29"
    assert bool(row["has_results"]) is True
    assert row["lead_sponsor"] == "Janssen Research & Development, LLC"
    assert row["source_file"] == "page-0001.json"
    names = [item["name"] for item in json.loads(row["interventions"])]
    assert names[:2] == ["Esketamine", "Placebo"]
    assert len(names) == 6
    # The transcribed record has no referencesModule: no PMIDs, not invented ones.
    assert pd.isna(row["pmids"]) and pd.isna(row["references"])


def test_references_give_pmids_in_numeric_order(trials: pd.DataFrame) -> None:
    row = trials.loc["NCT02552212"]  # verbatim record with four RESULT/DERIVED references
    assert row["acronym"] == "C-AXSPAND"
    assert row["pmids"] == "30848558;34715908;35296532;35733363"
    refs = json.loads(row["references"])
    assert [(r["pmid"], r["type"]) for r in refs] == [
        ("35296532", "RESULT"),
        ("35733363", "RESULT"),
        ("34715908", "DERIVED"),
        ("30848558", "DERIVED"),
    ]
    assert refs[0]["citation"].startswith("van der Heijde D, Gensler LS")


def test_arms_interventions_outcomes_and_dates(trials: pd.DataFrame) -> None:
    row = trials.loc["NCT02552212"]
    assert row["keywords"] == (
        "Ankylosing Spondylitis;Anti TNF-alpha;Arthritis;Axial Spondyloarthritis;"
        "Certolizumab Pegol;Immunosuppressive Agents;Non-radiographic;Nr-axSpA;"
        "Spinal Diseases;Spondylarthropathies;axSpA"
    )
    assert row["conditions"] == (
        "Axial Spondyloarthritis;Nonradiographic Axial Spondyloarthritis;Nr-axSpA"
    )
    assert row["masking"] == "QUADRUPLE"
    assert (row["enrollment"], row["enrollment_type"]) == (317, "ACTUAL")
    assert (row["start_date"], row["primary_completion_date"], row["completion_date"]) == (
        "2015-09",
        "2018-05",
        "2020-05",
    )
    first = json.loads(row["interventions"])[0]
    assert first["type"] == "BIOLOGICAL"
    assert first["name"] == "Certolizumab Pegol"
    assert first["other_names"] == ["Cimzia", "CDP870"]
    assert first["arm_group_labels"] == ["Certolizumab Pegol 200 mg Q2W"]
    arms = json.loads(row["arm_groups"])
    assert [(a["label"], a["type"]) for a in arms][:2] == [
        ("Certolizumab Pegol 200 mg Q2W", "EXPERIMENTAL"),
        ("Placebo", "PLACEBO_COMPARATOR"),
    ]
    assert arms[1]["intervention_names"] == ["Other: Placebo"]
    primary = json.loads(row["primary_outcomes"])
    assert [p["time_frame"] for p in primary][:2] == ["Week 52", "Week 12"]
    assert len(primary) == 11
    assert primary[0]["measure"].startswith("Percentage of Subjects With Ankylosing Spondylitis")
    assert len(json.loads(row["secondary_outcomes"])) > 2


def test_missing_modules_give_empty_cells_not_a_skip(raw: Path) -> None:
    skips = SkipLog()
    trials = parse_ctgov(raw, skips).set_index("nct_id")
    assert len(skips) == 0
    # identification and references modules only
    row = trials.loc["NCT00465816"]
    assert row["brief_title"] == "Primary Study to Demonstrate..."
    assert row["pmids"] == "22107850"  # the second reference has no PMID
    assert [r["pmid"] for r in json.loads(row["references"])] == ["22107850", None]
    for column in ("phases", "enrollment", "overall_status", "interventions", "start_date"):
        assert pd.isna(row[column]), column
    assert bool(row["has_results"]) is True
    assert pd.isna(trials.loc["NCT00088699", "has_results"])  # the record does not say
    # design and identification only (transcribed TRANSFORM-3 record)
    row = trials.loc["NCT03434041"]
    assert row["allocation"] == "RANDOMIZED"
    assert pd.isna(row["phases"]) and pd.isna(row["conditions"]) and pd.isna(row["lead_sponsor"])


def test_verbatim_studies_page(trials: pd.DataFrame) -> None:
    row = trials.loc["NCT06388018"]
    assert (row["phases"], row["allocation"]) == ("PHASE2", "NON_RANDOMIZED")
    assert (row["enrollment"], row["enrollment_type"]) == (325, "ESTIMATED")
    assert row["last_update_post_date"] == "2024-07-15"
    assert bool(row["has_results"]) is False


def test_written_table_validates_and_round_trips(trials: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / "processed" / "trials.csv"
    write_trials(trials.reset_index(drop=True), target)
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(load_schema("trials")["properties"])
    back = read_table(target, "trials").set_index("nct_id")
    assert back.loc["NCT02417064", "phases"] == "PHASE3"
    assert back.loc["NCT02417064", "enrollment"] == 346
    assert bool(back.loc["NCT02417064", "has_results"]) is True
    assert bool(back.loc["NCT06388018", "has_results"]) is False
    assert pd.isna(back.loc["NCT00088699", "has_results"])
    assert ",true," in text and ",True," not in text


def test_output_is_deterministic(raw: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_trials(parse_ctgov(raw), first)
    write_trials(parse_ctgov(raw), second)
    assert first.read_bytes() == second.read_bytes()


def test_json_cell_keeps_non_ascii() -> None:
    assert json_cell([{"name": "Ketamine – IV"}]) == '[{"name":"Ketamine – IV"}]'
    assert json_cell([]) is None
