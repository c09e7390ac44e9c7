"""Curated sheets: validation errors that say where and how to fix, and unusable rows kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialsynth.errors import InputError, SchemaError
from trialsynth.outcomes.extraction import (
    extraction_rows,
    load_extraction_dir,
    read_extraction_sheet,
)
from trialsynth.outcomes.rules import OutcomeRules

from .conftest import EXTRACTION

HEADER = "trial,nct_id,pmid,source_id,source_url,outcome,timepoint,arm,arm_n,events,percent,mean,sd"
GOOD = "T,NCT02418585,31109201,Table 1,https://example.org/t1,response,day 28,esketamine,114,79,,,"


def _sheet(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "sheet.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_percent_with_a_sign_names_file_row_column_and_fix(tmp_path: Path) -> None:
    path = _sheet(tmp_path, GOOD, GOOD.replace(",114,79,,,", ",114,,69.3%,,"))
    with pytest.raises(SchemaError) as info:
        read_extraction_sheet(path)
    text = str(info.value)
    assert str(path) in text
    assert "row 3" in text
    assert "'percent'" in text
    assert "fix:" in text and "without units or '%'" in text


def test_bad_nct_id_is_reported(tmp_path: Path) -> None:
    path = _sheet(tmp_path, GOOD.replace("NCT02418585", "NCT2418585"))
    with pytest.raises(SchemaError, match=r"row 2: column 'nct_id'"):
        read_extraction_sheet(path)


def test_row_without_a_source_is_rejected(tmp_path: Path) -> None:
    path = _sheet(tmp_path, GOOD, GOOD.replace("https://example.org/t1", ""))
    with pytest.raises(InputError, match=r"row 3: the row names no source"):
        read_extraction_sheet(path)


def test_shipped_sheets_validate_and_keep_their_sources(rules: OutcomeRules) -> None:
    sheets = load_extraction_dir(EXTRACTION)
    assert sorted(sheets) == [
        "esketamine_published_arm_level_outcomes.csv",
        "ketamine_abstract_outcomes.csv",
        "ketamine_durability_outcomes.csv",
    ]
    rows, counts = extraction_rows(sheets, rules)
    assert counts["rows"] == 63 + 69 + 101
    sustain = [
        r
        for r in rows
        if r["nct_id"] == "NCT02493868" and r["measure_title"] == "relapse (stable remitters)"
    ]
    assert [(r["group"], r["events"], r["arm_n"], r["usable"]) for r in sustain] == [
        ("esketamine + AD", 24, 90, True),
        ("AD + placebo", 39, 86, True),
    ]
    assert "pubmed.ncbi.nlm.nih.gov/31166571" in sustain[0]["source"]


def test_rows_without_what_an_analysis_needs_are_kept_unusable(rules: OutcomeRules) -> None:
    rows, _ = extraction_rows(load_extraction_dir(EXTRACTION), rules)
    by_issue = {r["issue"] for r in rows if not r["usable"]}
    assert "no denominator (arm_n) for the events/percentage" in by_issue
    assert "numbers pooled across several trials; not one study's arm" in by_issue
    # TRANSFORM-1 published 54.1 % with N = 115 in the table footnote: round(62.2) = 62 and
    # 62/115 = 53.9 %, so the stated N is not the responder denominator.
    t1 = next(
        r
        for r in rows
        if r["nct_id"] == "NCT02417064"
        and r["group"] == "esketamine 56 mg + AD"
        and r["outcome"] == "response"
    )
    assert not t1["usable"] and t1["events"] == 62
    assert "does not reproduce" in t1["issue"]
