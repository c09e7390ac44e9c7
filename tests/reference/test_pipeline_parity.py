"""The shipped review's pooled analyses equal R metafor's numbers.

The analysis tables in ``tests/reference/pipeline/`` are the ones the workflow builds from the
shipped snapshot; ``expected.json`` was computed from them by ``make_expected.R`` (metafor
3.8-1, REML, Knapp-Hartung with the ad hoc guard, Riley/HTS prediction interval). The workflow
test checks that a run of the DAG produces these same results.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialsynth.meta import fit_meta
from trialsynth.tables import read_table

HERE = Path(__file__).parent / "pipeline"
EXPECTED = json.loads((HERE / "expected.json").read_text())
MEASURES = {"response_day28": "RR", "remission_day28": "RR", "madrs_change_day28": "SMD"}
KEYS = ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "tau2_ci_ub", "I2", "Q")


def assert_matches_metafor(result: dict, expected: dict) -> None:
    """Compare every numeric key with metafor (1e-4 relative, iterative estimators)."""
    assert result["k"] == expected["k"]
    for key in KEYS:
        assert result[key] == pytest.approx(expected[key], rel=1e-4, abs=1e-8), key


@pytest.mark.parametrize("analysis_id", sorted(MEASURES))
def test_engine_on_shipped_analysis_tables(analysis_id: str) -> None:
    data = read_table(HERE / f"{analysis_id}.csv")
    result = fit_meta(data, MEASURES[analysis_id], method="REML", test="adhoc", pi="hts")
    assert_matches_metafor(result.to_dict(), EXPECTED[analysis_id])
