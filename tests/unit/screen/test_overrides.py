"""Reviewer decisions: precedence over the rules and every bad-input case."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trialsynth.errors import InputError
from trialsynth.screen.decisions import apply_overrides
from trialsynth.screen.eligibility import Decision
from trialsynth.screen.overrides import read_overrides

HEADER = "study_id,decision,reason,note\n"
STUDIES = {"NCT00000001", "PMID:31", "NCT00000002"}


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "screening_overrides.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_header_only_file_has_no_decisions(tmp_path: Path) -> None:
    assert read_overrides(_write(tmp_path, ""), STUDIES).empty


def test_reviewer_decision_wins_and_shows_the_rules(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "PMID:31,include,,pooled report of two trials; both in scope (AB)\n"
        "NCT00000001,exclude,duplicate_report,same cohort as NCT00000002 (AB)\n",
    )
    overrides = read_overrides(path, STUDIES)
    rules = {
        "NCT00000001": Decision("include", None, "design: RCT"),
        "NCT00000002": Decision("exclude", "drug_not_in_scope", "drug: none"),
        "PMID:31": Decision("review", "ambiguous_trial_link", "ties NCT00000001, NCT00000002"),
    }
    screening = apply_overrides(rules, overrides).set_index("study_id")
    assert screening.loc["NCT00000001"].tolist() == [
        "exclude",
        "duplicate_report",
        "reviewer: same cohort as NCT00000002 (AB); rules: include: design: RCT",
        "reviewer",
    ]
    assert screening.loc["PMID:31", ["decision", "decided_by"]].tolist() == ["include", "reviewer"]
    assert pd.isna(screening.loc["PMID:31", "reason"])
    assert "rules: review (ambiguous_trial_link)" in screening.loc["PMID:31", "detail"]
    assert screening.loc["NCT00000002"].tolist() == [
        "exclude",
        "drug_not_in_scope",
        "drug: none",
        "rules",
    ]


@pytest.mark.parametrize(
    ("body", "message", "row"),
    [
        ("NCT09999999,include,,x\n", "unknown study_id 'NCT09999999'", "row 2"),
        ("NCT00000001,include,,\nPMID:31,maybe,,x\n", "decision 'maybe' is not one of", "row 3"),
        ("NCT00000001,review,,x\n", "decision 'review' is not one of", "row 2"),
        ("NCT00000001,exclude,,x\n", "an exclusion needs a reason code", "row 2"),
        ("NCT00000001,exclude,Not In Scope,x\n", "is not a reason code", "row 2"),
        (
            "NCT00000001,include,,x\nNCT00000001,exclude,drug_not_in_scope,y\n",
            "decided twice (also on row 2)",
            "row 3",
        ),
    ],
)
def test_bad_override_names_file_row_and_fix(
    tmp_path: Path, body: str, message: str, row: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(InputError) as err:
        read_overrides(path, STUDIES)
    text = str(err.value)
    assert str(path) in text and row in text and message in text and "(fix:" in text


def test_wrong_header_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "NCT00000001,include\n", header="study,decision\n")
    with pytest.raises(InputError, match=r"line 1: columns must be"):
        read_overrides(path, STUDIES)


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="header line study_id,decision,reason,note"):
        read_overrides(tmp_path / "absent.csv", STUDIES)
