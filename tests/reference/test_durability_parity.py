"""The durability analyses equal R metafor: the decay model (three-level meta-regression of the
logit proportion still benefiting on log(horizon) x psychotherapy, cluster-robust) with its
predictions at 18 and 180 days, and the per-window pooled proportions by modality.

The tables in ``tests/reference/durability/`` are the ones the workflow builds from the shipped
sheets (the outcomes-stage test checks the stage still builds them); ``expected.json`` was
computed from them by ``make_expected.R`` (metafor 3.8-1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.cli import main
from trialsynth.meta import fit_meta
from trialsynth.tables import read_table

HERE = Path(__file__).parent / "durability"
EXPECTED = json.loads((HERE / "expected.json").read_text())


def test_decay_model_and_predictions_equal_metafor(tmp_path: Path) -> None:
    out = tmp_path / "decay.json"
    status = main(
        [
            "meta",
            "--data",
            str(HERE / "durability_decay.csv"),
            "--measure",
            "GEN",
            "--method",
            "REML",
            "--test",
            "knha",
            "--mods",
            "log(horizon_days)",
            "psychotherapy",
            "log(horizon_days):psychotherapy",
            "--cluster",
            "study_id",
            "--robust",
            "--predict",
            str(HERE / "predict.csv"),
            "--predict-transform",
            "expit",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    result = json.loads(out.read_text())
    expected = EXPECTED["durability_decay"]
    assert result["k"] == expected["k"] == 10
    assert result["sigma2"] == pytest.approx(expected["sigma2"], rel=1e-4)
    for name, coef in expected["coefficients"].items():
        for key in ("estimate", "se", "ci_lb", "ci_ub", "pval"):
            assert result["coefficients"][name][key] == pytest.approx(coef[key], rel=1e-4), (
                name,
                key,
            )
    got = {(p["psychotherapy"], p["horizon_days"]): p for p in result["predictions"]}
    for want in expected["predictions"]:
        row = got[(want["psychotherapy"], float(want["horizon_days"]))]
        for key in ("pred", "ci_lb", "ci_ub"):
            assert row[key] == pytest.approx(want[key], rel=1e-4), (want, key)


def test_the_protocol_names_the_same_model(tmp_path: Path) -> None:
    # The workflow runs `trialsynth meta --protocol --analysis durability_decay`: the protocol's
    # `model` gives the moderators, cluster, robust test and prediction grid.
    out = tmp_path / "decay.json"
    protocol = Path(__file__).resolve().parents[2] / "analysis" / "protocol.yaml"
    status = main(
        [
            "meta",
            "--protocol",
            str(protocol),
            "--analysis",
            "durability_decay",
            "--data",
            str(HERE / "durability_decay.csv"),
            "--out",
            str(out),
        ]
    )
    assert status == 0
    result = json.loads(out.read_text())
    assert result["settings"]["robust"] is True and result["settings"]["cluster"] == "study_id"
    preds = sorted(
        (p["horizon_days"], p["psychotherapy"], p["pred"]) for p in result["predictions"]
    )
    want = sorted(
        (float(p["horizon_days"]), p["psychotherapy"], p["pred"])
        for p in EXPECTED["durability_decay"]["predictions"]
    )
    assert [p[:2] for p in preds] == [w[:2] for w in want]
    assert [p[2] for p in preds] == pytest.approx([w[2] for w in want], rel=1e-4)


@pytest.mark.parametrize("analysis_id", ["durability_4_35d", "durability_6m_plus"])
def test_window_proportions_equal_metafor(analysis_id: str) -> None:
    data = read_table(HERE / f"{analysis_id}.csv")
    expected = EXPECTED[analysis_id]
    whole = fit_meta(data, "PLO", method="REML", test="adhoc", pi="hts").to_dict()
    assert whole["k"] == expected["k"]
    assert whole["yi"] == pytest.approx(expected["yi"], rel=1e-9)
    assert whole["vi"] == pytest.approx(expected["vi"], rel=1e-9)
    for key in ("estimate", "ci_lb", "ci_ub"):
        assert whole[key] == pytest.approx(expected[key], rel=1e-4), key
    for level, want in expected["subgroups"].items():
        part = data[data["psychotherapy"] == level].reset_index(drop=True)
        test = "adhoc" if len(part) > 1 else "z"
        got = fit_meta(pd.DataFrame(part), "PLO", method="REML", test=test, pi="hts").to_dict()
        assert got["k"] == want["k"]
        for key in ("estimate", "ci_lb", "ci_ub"):
            assert got[key] == pytest.approx(want[key], rel=1e-4), (level, key)
