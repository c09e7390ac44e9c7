"""Arm-level rows read from real CT.gov posted results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialsynth.errors import InputError
from trialsynth.outcomes.ctgov_results import extract_ctgov_outcomes, load_ctgov_studies
from trialsynth.outcomes.rules import OutcomeRules

from .conftest import CTGOV


@pytest.fixture(scope="module")
def rows(rules: OutcomeRules) -> list[dict]:
    extracted, _ = extract_ctgov_outcomes(load_ctgov_studies(CTGOV), rules)
    return extracted


def _arms(rows: list[dict], nct: str, outcome: str, version: str, days: float = 28.0) -> dict:
    return {
        r["group"]: r
        for r in rows
        if r["nct_id"] == nct
        and r["outcome"] == outcome
        and r["data_version"] == version
        and r["timepoint_days"] == days
    }


def test_transform2_day28_response_from_posted_percentages(rows: list[dict]) -> None:
    arms = _arms(rows, "NCT02418585", "response", "unspecified")
    esk = arms["Intranasal Esketamine (Esk) Plus Oral Antidepressant (AD)"]
    pbo = arms["Intranasal Placebo Plus Oral AD"]
    # Posted: 63.4 % of 112 and 49.5 % of 109 (paramType NUMBER, unit percentage).
    assert (esk["posted_value"], esk["arm_n"], esk["events"]) == ("63.4", 112, 71)
    assert (pbo["posted_value"], pbo["arm_n"], pbo["events"]) == ("49.5", 109, 54)
    assert esk["arm_role"] == "experimental" and pbo["arm_role"] == "control"
    assert "round(63.4% x 112 / 100) = 71" in esk["derivation"]
    assert esk["usable"] and pbo["usable"]
    assert esk["source_kind"] == "ctgov_results"
    assert "NCT02418585" in esk["source"] and "Intranasal Esketamine (Esk)" in esk["source"]


def test_transform1_posts_observed_and_locf_versions(rows: list[dict]) -> None:
    observed = _arms(rows, "NCT02417064", "response", "observed")
    locf = _arms(rows, "NCT02417064", "response", "locf")
    assert [a["events"] for a in observed.values()] == [60, 52, 42]  # 54.1/111, 53.1/98, 38.9/108
    assert [a["arm_n"] for a in locf.values()] == [115, 113, 113]
    assert [a["events"] for a in locf.values()] == [61, 54, 42]  # 53.0, 47.8, 37.2 %


def test_classes_give_one_time_point_each(rows: list[dict]) -> None:
    day28 = _arms(rows, "NCT02918318", "response", "unspecified", 28.0)
    assert {g: a["events"] for g, a in day28.items()} == {
        "Esketamine 28 Milligrams (mg)": 13,
        "Esketamine 56 mg": 12,
        "Esketamine 84 mg": 17,
        "Placebo": 27,
    }
    day2_placebo = _arms(rows, "NCT02918318", "response", "unspecified", 2.0)["Placebo"]
    assert not day2_placebo["usable"]  # 9.0 % of 79 is not a whole number of participants
    assert "does not reproduce" in day2_placebo["issue"]


def test_time_to_relapse_median_is_kept_but_not_usable(rows: list[dict]) -> None:
    relapse = [r for r in rows if r["nct_id"] == "NCT02493868"]
    assert relapse and all(r["outcome"] == "relapse" for r in relapse)
    assert all(not r["usable"] and "MEDIAN" in r["issue"] for r in relapse)


def test_continuous_rows_keep_mean_and_sd(rows: list[dict]) -> None:
    arms = _arms(rows, "NCT04599855", "score_change", "unspecified")
    assert (arms["DB: Placebo"]["mean"], arms["DB: Placebo"]["sd"]) == (-7.0, 10.07)
    assert arms["DB: Placebo"]["arm_n"] == 185


def test_missing_pages_and_bad_pages_raise(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no page-"):
        list(load_ctgov_studies(tmp_path))
    (tmp_path / "page-0001.json").write_text(json.dumps({"items": []}))
    with pytest.raises(InputError, match='"studies" array'):
        list(load_ctgov_studies(tmp_path))


def test_several_categories_per_group_are_not_read_as_arms(rules: OutcomeRules) -> None:
    study = {
        "protocolSection": {"identificationModule": {"nctId": "NCT00000001"}},
        "resultsSection": {
            "outcomeMeasuresModule": {
                "outcomeMeasures": [
                    {
                        "title": "Number of Responders at Day 28",
                        "paramType": "COUNT_OF_PARTICIPANTS",
                        "unitOfMeasure": "Participants",
                        "timeFrame": "Day 28",
                        "groups": [{"id": "OG000", "title": "Ketamine"}],
                        "denoms": [
                            {
                                "units": "Participants",
                                "counts": [{"groupId": "OG000", "value": "20"}],
                            }
                        ],
                        "classes": [
                            {
                                "categories": [
                                    {
                                        "title": "Yes",
                                        "measurements": [{"groupId": "OG000", "value": "12"}],
                                    },
                                    {
                                        "title": "No",
                                        "measurements": [{"groupId": "OG000", "value": "8"}],
                                    },
                                ]
                            }
                        ],
                    }
                ]
            }
        },
    }
    rows, counts = extract_ctgov_outcomes(iter([("page-0001.json", study)]), rules)
    assert counts["measures_matched"] == 1
    assert len(rows) == 2
    assert not any(r["usable"] for r in rows)
    assert all("several categories" in r["issue"] for r in rows)
    assert rows[0]["group"] == "Ketamine [category 'Yes']"
