"""``trialsynth meta --mods/--cluster/--robust/--predict``: CLI path, JSON round trip, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trialsynth.cli import main
from trialsynth.errors import InputError
from trialsynth.meta.moderated import fit_moderated
from trialsynth.meta.moderators import build_design, parse_terms
from trialsynth.meta.predict import parse_contrast, predict
from trialsynth.meta.result import load_result

METAREG = Path(__file__).parents[2] / "reference" / "metareg"
CREDE = METAREG / "crede2010_log_ni_x_criterion_reml_t_robust"
BCG = METAREG / "bcg_ablat_x_alloc_reml_knha"


def _expected(case: Path) -> dict:
    return json.loads((case / "case.json").read_text())["expected"]


def test_three_level_robust_predictions_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    newmods = tmp_path / "new.csv"
    newmods.write_text("ni,criterion\n18,gpa\n180,gpa\n18,grade\n180,grade\n")
    out = tmp_path / "model.json"
    args = ["meta", "--data", str(CREDE / "data.csv"), "--measure", "GEN"]
    args += ["--mods", "log(ni)*criterion", "--cluster", "studyid", "--robust", "--test", "knha"]
    args += ["--predict", str(newmods), "--predict-transform", "expit", "--out", str(out)]
    args += ["--contrast", "slope_grade=log(ni),log(ni):criteriongrade"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Multilevel Model (k = 97; REML; rows within 68 clusters of studyid)" in text
    assert "Cluster-robust tests (CR1): 68 clusters, t with 64 df" in text
    written = json.loads(out.read_text())
    expected = _expected(CREDE)
    assert written["sigma2"] == pytest.approx(expected["sigma2"], rel=1e-4)
    assert written["robust"] == {
        "adjust": True,
        "cluster_df": 64,
        "n_clusters": 68,
        "vcov_type": "CR1",
    }
    got = pd.DataFrame(written["predictions"])
    want = expected["predictions"]
    np.testing.assert_allclose(got["pred"], 1 / (1 + np.exp(-np.array(want["pred"]))), rtol=1e-4)
    np.testing.assert_allclose(got["ci_ub"], 1 / (1 + np.exp(-np.array(want["ci_ub"]))), rtol=1e-4)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-4)  # se stays on the model scale
    assert written["settings"]["metafor_call"] == (
        "robust(rma.mv(yi, vi, mods = ~ log(ni)*criterion, random = ~ 1 | studyid/row, "
        'method = "REML", test = "t"), cluster = studyid)'
    )
    slope = written["contrasts"]["slope_grade"]
    assert slope["weights"] == {"log(ni)": 1.0, "log(ni):criteriongrade": 1.0}
    for key in ("estimate", "se", "pval", "ci_lb", "ci_ub"):
        assert slope[key] == pytest.approx(expected["contrasts"][key][1], rel=1e-4), key
    assert "contrast slope_grade: 0.0148" in text
    # the written file reads back and predicts the same numbers (coefficient order restored)
    again = predict(load_result(out), pd.read_csv(newmods), transform="expit")
    np.testing.assert_allclose(again["pred"], got["pred"], rtol=1e-12)


def test_meta_regression_json_has_metafor_keys(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["meta", "--data", str(BCG / "data.csv"), "--measure", "RR", "--test", "knha"]
    assert main([*args, "--mods", "ablat", "alloc", "ablat:alloc", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = _expected(BCG)
    assert set(printed["coefficients"]) == set(expected["coefficients"])
    for key in ("QM", "QE", "tau2", "I2", "R2"):
        assert printed[key] == pytest.approx(expected[key], rel=1e-4), key
    assert printed["estimate"] is None  # no single pooled estimate in a meta-regression
    assert printed["settings"]["design"]["coefficients"] == list(expected["coefficients"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--mods", "ablat", "--robust"], "--robust needs the cluster column"),
        (["--mods", "ablat", "--cluster", "alloc"], "--test adhoc has no three-level form"),
        (["--mods", "ablat", "--cluster", "alloc", "--test", "z", "--method", "DL"], "REML or ML"),
        (["--mods", "ablat", "--by", "alloc"], "--by cannot be combined"),
        (["--mods", "latitude"], "moderator column 'latitude' not found"),
        (["--mods", "log(alloc)"], "log() needs numbers"),
        (["--mods", "ablat+"], "is not a column name"),
        (["--mods", "ablat", "--contrast", "slope=latitude"], "no coefficient latitude"),
        (["--mods", "ablat", "--contrast", "ablat"], "is not LABEL=COEF"),
    ],
)
def test_bad_model_requests_are_refused(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["meta", "--data", str(BCG / "data.csv"), "--measure", "RR", *extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_text_mixed_with_numbers_names_the_row() -> None:
    data = pd.DataFrame(
        {"yi": [0.1, 0.3, 0.2, 0.5], "vi": [0.01] * 4, "horizon": ["18", "90", "6 months", "180"]}
    )
    with pytest.raises(InputError, match="mixes numbers and text") as err:
        fit_moderated(data, "GEN", ["horizon"], path="sheet.csv")
    assert err.value.record == "row 3"


def test_log_of_zero_and_single_level_factor_are_refused() -> None:
    data = pd.DataFrame({"yi": [0.1, 0.3, 0.2], "vi": [0.01] * 3, "d": [0, 7, 30], "g": ["a"] * 3})
    with pytest.raises(InputError, match="not positive"):
        build_design(data, ["log(d)"])
    with pytest.raises(InputError, match="single level"):
        build_design(data, ["g"])


def test_prediction_at_an_unknown_level_is_refused() -> None:
    result = fit_moderated(pd.read_csv(BCG / "data.csv"), "RR", ["ablat*alloc"], test="z")
    with pytest.raises(InputError, match="level 'cluster' is not one of"):
        predict(result, pd.DataFrame({"ablat": [20], "alloc": ["cluster"]}))
    with pytest.raises(InputError, match="newmods has 2 columns"):
        predict(result, np.array([[20.0, 1.0]]))


def test_terms_follow_r_order() -> None:
    assert parse_terms(["b:a", "a", "b"]) == [("a",), ("b",), ("b", "a")]
    assert parse_terms(["a*b", "a"]) == [("a",), ("b",), ("a", "b")]
    assert parse_terms(["x + log(d)"]) == [("x",), ("log(d)",)]


def test_contrast_signs_add_up() -> None:
    assert parse_contrast("d = a:b, -c ,a:b") == ("d", {"a:b": 2.0, "c": -1.0})


def test_matrix_newmods_equal_dataframe_newmods() -> None:
    result = fit_moderated(pd.read_csv(BCG / "data.csv"), "RR", ["ablat", "alloc"], test="z")
    frame = predict(result, pd.DataFrame({"ablat": [20.0], "alloc": ["systematic"]}))
    matrix = predict(result, np.array([[20.0, 0.0, 1.0]]))
    np.testing.assert_allclose(frame["pred"], matrix["pred"], rtol=1e-12)
    np.testing.assert_allclose(frame["pi_ub"], matrix["pi_ub"], rtol=1e-12)
