"""NCT ID validation and tolerant extraction from text."""

from __future__ import annotations

import pytest

from trialsynth.parse.nct_ids import find_nct_ids, is_valid_nct_id, normalise_nct_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ClinicalTrials.gov identifier: NCT02417064.", ["NCT02417064"]),
        ("registered (NCT 0241 7064)", ["NCT02417064"]),
        ("trial NCT-02493868 was", ["NCT02493868"]),
        ("NCT: 02497287;", ["NCT02497287"]),
        ("nct02417064", ["NCT02417064"]),
        ("NCT #01234567", ["NCT01234567"]),
        ("NCT0123-4567", ["NCT01234567"]),
        ("NCT\u2011 0123\u00a04567", ["NCT01234567"]),
        # the digits that follow the ID belong to the sentence
        ("NCT02417064 12 patients", ["NCT02417064"]),
        ("NCT02417064, NCT02493868 and NCT02417064", ["NCT02417064", "NCT02493868"]),
    ],
)
def test_mentions_are_normalised(text: str, expected: list[str]) -> None:
    assert find_nct_ids(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NCT0241706",  # 7 digits
        "NCT024170641",  # 9 digits
        "NCT 0241 706 12 patients",  # groups jump from 7 to 9 digits
        "ABCNCT02417064",  # part of another token
        "NCT02417064X",  # followed by a letter
        "NCT",
        "",
    ],
)
def test_malformed_mentions_are_rejected(text: str) -> None:
    assert find_nct_ids(text) == []


def test_none_text() -> None:
    assert find_nct_ids(None) == []


def test_validation_and_normalisation() -> None:
    assert is_valid_nct_id("NCT02417064")
    assert not is_valid_nct_id("NCT0241706")
    assert not is_valid_nct_id("nct02417064")
    assert not is_valid_nct_id(2417064)
    assert normalise_nct_id(" nct02417064 ") == "NCT02417064"
    assert normalise_nct_id("NCT 02417064") is None
