"""Issue 10 data: the durability sheet is validated and merged with its codes, horizons and
source quality; every sheet names its sources by pointer; numbers are verified against the
PubMed snapshot."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.errors import InputError, SchemaError
from trialsynth.outcomes.effects import effect_measure_code, gen_from_ci
from trialsynth.outcomes.extraction import (
    extraction_rows,
    load_extraction_dir,
    read_extraction_sheet,
)
from trialsynth.outcomes.horizons import horizon_after_course
from trialsynth.outcomes.rules import OutcomeRules, load_outcome_rules
from trialsynth.outcomes.verify import numbers_in, verify_sheets
from trialsynth.parse.pubmed import parse_pubmed
from trialsynth.protocol import load_protocol

from .conftest import EXTRACTION, REPO

DURABILITY = "ketamine_durability_outcomes.csv"
ABSTRACTS = "ketamine_abstract_outcomes.csv"
PROTOCOL = REPO / "analysis" / "protocol.yaml"


@pytest.fixture(scope="module")
def review_rules() -> OutcomeRules:
    return load_outcome_rules(load_protocol(PROTOCOL), PROTOCOL)


@pytest.fixture(scope="module")
def articles() -> pd.DataFrame:
    return parse_pubmed(REPO / "data" / "raw" / "pubmed")


@pytest.fixture(scope="module")
def rows(review_rules: OutcomeRules) -> dict[str, dict]:
    found, _ = extraction_rows(load_extraction_dir(EXTRACTION), review_rules)
    return {r["record_id"]: r for r in found}


def test_the_durability_sheet_validates_with_its_extended_codes() -> None:
    sheet = read_extraction_sheet(EXTRACTION / DURABILITY)
    assert len(sheet) == 101
    assert sheet["study"].nunique() == 32
    assert (sheet["drug"] == "none").sum() == 17
    assert (sheet["psychotherapy"] == "unclear").sum() == 1
    assert (sheet["effect_measure"] == "MD").sum() == 4
    assert set(sheet["horizon_ref"].dropna()) >= {"end_of_treatment", "randomization", "first_dose"}
    assert sheet["source_quality"].value_counts().to_dict() == {
        "primary": 42,
        "abstract_copy": 38,
        "secondary": 21,
    }


def test_codes_horizons_and_source_quality_reach_the_outcome_rows(rows: dict[str, dict]) -> None:
    # Mathew 2010: 32 days after randomisation, which came 3 days after the single infusion.
    mathew = rows[f"{DURABILITY}:row 10"]
    assert (mathew["horizon_days"], mathew["horizon_status"]) == (35, "after_course")
    assert "course end at day -3" in mathew["horizon_basis"]
    # ECT comparator arm of KetECT: no drug of the review, placed as the control arm.
    ect = rows[f"{DURABILITY}:row 16"]
    assert (ect["drug"], ect["arm_role"], ect["outcome"]) == ("none", "control", "relapse")
    # ESCAPE-TRD week 32: esketamine continues, an on-treatment row.
    assert rows[f"{DURABILITY}:row 57"]["horizon_status"] == "on_treatment"
    # Feder 2025 week 12 from the start of exposure therapy: not convertible, kept apart.
    feder = rows[f"{DURABILITY}:row 88"]
    assert feder["horizon_status"] == "no_horizon" and feder["horizon_days"] is None
    # Krupitsky 1997 (a secondary summary page): flagged, unclear psychotherapy kept.
    krupitsky = rows[f"{DURABILITY}:row 85"]
    assert krupitsky["source_quality"] == "secondary"
    assert krupitsky["psychotherapy"] == "unclear"
    # A hazard ratio row is a time-to-event outcome with its CI; a median is tabulated.
    hr = rows[f"{DURABILITY}:row 74"]
    assert (hr["outcome"], hr["effect_measure"], hr["effect"], hr["ci_low"], hr["ci_high"]) == (
        "time_to_relapse",
        "HR",
        0.47,
        0.24,
        0.92,
    )
    median = rows[f"{DURABILITY}:row 3"]
    assert (median["outcome"], median["median_days"], median["usable"]) == (
        "median_time_to_relapse",
        18,
        True,
    )
    md = rows[f"{DURABILITY}:row 77"]
    assert (md["effect_measure"], md["effect"]) == ("MD", 10.1)


def test_the_same_arm_in_two_sheets_is_pooled_once(rows: dict[str, dict]) -> None:
    # SUSTAIN-1 stable remitters: the durability sheet repeats the published sheet's arms and
    # the abstract sheet's hazard ratio.
    for row, first in (
        (44, "esketamine_published_arm_level_outcomes.csv:row 19"),
        (45, "esketamine_published_arm_level_outcomes.csv:row 20"),
        (48, f"{ABSTRACTS}:row 6"),
    ):
        copy = rows[f"{DURABILITY}:row {row}"]
        assert not copy["usable"]
        assert copy["issue"].startswith(f"duplicate of {first} ")


def test_a_quoted_sentence_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "pmid,nct_id,locator,outcome,arm,arm_n,events,percent,mean,sd,quote\n"
        "31166571,,abstract,relapse,esk,90,24,,,,Among the 297 adults\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="quote"):
        read_extraction_sheet(path)


def test_the_abstract_sheet_holds_locators_not_sentences() -> None:
    sheet = read_extraction_sheet(EXTRACTION / ABSTRACTS)
    assert "quote" not in sheet.columns
    assert sheet["locator"].str.fullmatch(r"abstract(?:, [a-z ,]+)?, sentence \d+").all()
    first = sheet.iloc[0]
    assert (first["pmid"], first["locator"]) == ("31166571", "abstract, results, sentence 7")


def test_shipped_sheets_verify_against_the_pubmed_snapshot(articles: pd.DataFrame) -> None:
    table, counts = verify_sheets(load_extraction_dir(EXTRACTION), articles)
    assert counts == {"verified": 96, "not_verifiable": 137, "mismatched": 0}
    sustain = table[(table["sheet"] == ABSTRACTS) & (table["row"] == 2)].iloc[0]
    assert sustain["status"] == "verified"
    assert "24 (26.7%)" in sustain["sentences"]  # read from the snapshot, not the sheet
    no_pmid = table[(table["sheet"] == DURABILITY) & (table["row"] == 2)].iloc[0]
    assert (no_pmid["status"], no_pmid["reason"]) == ("not_verifiable", "no PMID")


def test_a_number_absent_from_its_abstract_is_an_error_naming_sheet_row_and_number(
    tmp_path: Path, articles: pd.DataFrame
) -> None:
    folder = tmp_path / "extraction"
    shutil.copytree(EXTRACTION, folder, ignore=shutil.ignore_patterns("*.md"))
    text = (folder / ABSTRACTS).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert ",,24,26.7," in lines[1]
    lines[1] = lines[1].replace(",,24,26.7,", ",,25,26.7,")
    (folder / ABSTRACTS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        verify_sheets(load_extraction_dir(folder), articles)
    message = str(info.value)
    assert f"{folder / ABSTRACTS}: row 2:" in message
    assert "events=25" in message and "PubMed 31166571" in message


def test_numbers_are_read_in_digits_and_in_words() -> None:
    found = numbers_in("Fifty-nine percent of 1,806 adults (HR 0·49; P = .003)")
    assert {str(n) for n in found} == {"59", "1806", "0.49", "0.003"}


@pytest.mark.parametrize(
    ("days", "ref", "course_end", "on_treatment", "expected"),
    [
        (28, "end_of_treatment", None, False, (28, "after_course")),
        (32, "randomization", -3, False, (35, "after_course")),
        (180, "first_dose", 14, False, (166, "after_course")),
        (180, "first_dose", None, False, (None, "not_convertible")),
        (84, "week 12 from start of therapy", None, False, (None, "not_convertible")),
        (224, "randomization", None, True, (None, "on_treatment")),
        (None, "randomization", None, False, (None, "no_horizon")),
    ],
)
def test_horizons_are_converted_only_when_the_course_end_is_known(
    days: float | None,
    ref: str,
    course_end: float | None,
    on_treatment: bool,
    expected: tuple[float | None, str],
) -> None:
    horizon = horizon_after_course(days, ref, course_end, on_treatment)
    assert (horizon.days, horizon.status) == expected


def test_a_hazard_ratio_with_its_ci_becomes_log_hr_and_variance() -> None:
    # Cochrane Handbook 6.3.2: se = (log(upper) - log(lower)) / (2 x 1.959964).
    effect = gen_from_ci(effect_measure_code("hazard ratio") or "", 0.49, 0.29, 0.84)
    assert effect.yi == pytest.approx(math.log(0.49), rel=1e-12)
    se = (math.log(0.84) - math.log(0.29)) / (2 * 1.959963984540054)
    assert effect.vi == pytest.approx(se**2, rel=1e-9)
    difference = gen_from_ci("MD", 10.1, 1.1, 19.0)
    assert difference.yi == 10.1
    assert difference.vi == pytest.approx(((19.0 - 1.1) / (2 * 1.959963984540054)) ** 2)
    with pytest.raises(ValueError, match="does not contain"):
        gen_from_ci("HR", 0.2, 0.29, 0.84)
