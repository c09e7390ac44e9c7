"""The engine beyond the reference cases: cumulative, ML with Q-profile, edge cases, bad input."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trialsynth.errors import ConvergenceError, InputError
from trialsynth.meta.batch import fit_batch
from trialsynth.meta.bias import egger_lm
from trialsynth.meta.effect_sizes import EffectSizes, ZeroCellSettings, compute_effect_sizes
from trialsynth.meta.fit import fit_meta, fit_regression
from trialsynth.meta.sensitivity import cumulative, leave_one_out

from .conftest import REFERENCE


@pytest.mark.parametrize("method", ["ML", "REML", "DL", "PM", "FE"])
@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
def test_cumulative_matches_metafor(
    bcg_rr: EffectSizes, extra: dict[str, Any], method: str, test: str
) -> None:
    ref = extra[f"cumul_{method}_{test}"]
    es = bcg_rr
    fit = cumulative(es.yi, es.vi, method, test, order=np.array(ref["order"]))
    rtol = 1e-4 if method in ("REML", "ML", "PM") else 1e-6
    np.testing.assert_allclose(fit.pooled.estimate, ref["estimate"], rtol=rtol)
    if method != "FE":
        np.testing.assert_allclose(fit.tau2, ref["tau2"], rtol=rtol, atol=1e-10)
    ci = np.array([np.nan if v is None else v for v in ref["ci_lb"]], dtype=float)
    np.testing.assert_allclose(fit.pooled.ci_lb, ci, rtol=rtol, equal_nan=True)


def test_ml_with_q_profile_and_h2_interval(extra: dict[str, Any]) -> None:
    data = pd.DataFrame(extra["pritz"])
    result = fit_meta(data, "PLO", "ML", "z", zero_cells=ZeroCellSettings(to="all")).to_dict()
    ref = extra["plo_all_ml"]
    for key in (
        "estimate",
        "se",
        "tau2",
        "I2",
        "H2",
        "tau2_ci_lb",
        "tau2_ci_ub",
        "H2_ci_lb",
        "H2_ci_ub",
    ):
        assert result[key] == pytest.approx(ref[key], rel=1e-4), key
    assert result["corrections"]["zero_cell_added"] == len(data)


def test_leave_one_out_equals_separate_fits(bcg_rr: EffectSizes) -> None:
    es = bcg_rr
    loo = leave_one_out(es.yi, es.vi, "REML", "adhoc")
    for i in (0, 5, 12):
        keep = np.arange(len(es.yi)) != i
        one = fit_batch(
            es.yi[None, keep], es.vi[None, keep], np.ones((1, keep.sum()), bool), "REML", "adhoc"
        )
        assert loo.pooled.estimate[i] == pytest.approx(one.pooled.estimate[0], rel=1e-12)
        assert loo.tau2[i] == pytest.approx(one.tau2[0], rel=1e-12)


def test_single_study_is_returned_with_reason(extra: dict[str, Any]) -> None:
    result = fit_meta(pd.DataFrame({"yi": [0.3], "vi": [0.04]}), "GEN").to_dict()
    ref = extra["k1"]
    assert result["k"] == 1
    assert result["estimate"] == pytest.approx(ref["estimate"])
    assert result["se"] == pytest.approx(ref["se"])
    assert result["ci_lb"] == pytest.approx(ref["ci_lb"])
    assert result["tau2"] is None and result["I2"] is None
    assert any("k = 1" in w for w in result["warnings"])


def test_two_studies_compute_and_warn() -> None:
    result = fit_meta(
        pd.DataFrame({"yi": [0.1, 0.5], "vi": [0.01, 0.02]}), "GEN", "REML", "z"
    ).to_dict()
    assert result["k"] == 2 and result["estimate"] is not None
    assert any("k = 2" in w for w in result["warnings"])


def test_all_equal_effects_give_zero_tau2(extra: dict[str, Any]) -> None:
    data = pd.DataFrame({"yi": [0.2, 0.2, 0.2], "vi": [0.01, 0.02, 0.03]})
    result = fit_meta(data, "GEN", "REML", "z").to_dict()
    assert result["tau2"] == 0 == extra["equal"]["tau2"]
    assert result["estimate"] == pytest.approx(0.2)
    assert result["I2"] == 0


def test_reml_from_two_directions_reaches_the_same_tau2() -> None:
    rng = np.random.default_rng(1)
    vi = rng.uniform(0.01, 0.1, 30)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    reml = fit_batch(yi[None], vi[None], np.ones((1, 30), bool), "REML", "z").tau2[0]
    # REML score equation: sum w^2 (y - mu)^2 - tr(P) ... verified by the profile maximum
    grid = np.linspace(max(reml - 0.01, 0), reml + 0.01, 201)
    w = 1 / (vi[None, :] + grid[:, None])
    mu = (w * yi).sum(1) / w.sum(1)
    ll = (
        -0.5 * np.log(vi + grid[:, None]).sum(1)
        - 0.5 * np.log(w.sum(1))
        - 0.5 * (w * (yi - mu[:, None]) ** 2).sum(1)
    )
    assert abs(grid[np.argmax(ll)] - reml) <= 0.0002


BAD_INPUTS = [
    (pd.DataFrame({"yi": [0.1, 0.2], "vi": [0.01, 0.0]}), "GEN", "row 2.*vi must be > 0"),
    (pd.DataFrame({"yi": [0.1, np.nan], "vi": [0.01, 0.02]}), "GEN", "row 2.*yi is empty, NaN"),
    (pd.DataFrame({"yi": [0.1, np.inf], "vi": [0.01, 0.02]}), "GEN", "row 2.*infinite"),
    (
        pd.DataFrame({"study": ["A", "B"], "xi": [3, 12], "ni": [10, 10]}),
        "PLO",
        r"row 2 \(study B\).*exceed",
    ),
    (
        pd.DataFrame(
            {
                "m1i": [1, 2],
                "sd1i": [1, -1],
                "n1i": [10, 10],
                "m2i": [0, 0],
                "sd2i": [1, 1],
                "n2i": [10, 10],
            }
        ),
        "SMD",
        "row 2.*sd1i is negative",
    ),
    (
        pd.DataFrame({"yi": ["0.1", "abc"], "vi": [0.01, 0.02]}),
        "GEN",
        "row 2.*'abc' is not a number",
    ),
    (pd.DataFrame({"ai": [1], "bi": [2], "ci": [3]}), "OR", "missing column.*di"),
    (
        pd.DataFrame({"ai": [1, -1], "bi": [2, 2], "ci": [3, 3], "di": [4, 4]}),
        "RR",
        "row 2.*ai is negative",
    ),
]


@pytest.mark.parametrize(("data", "measure", "message"), BAD_INPUTS)
def test_bad_input_names_row_and_column(data: pd.DataFrame, measure: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        fit_meta(data, measure, path="analyses/x.csv")


def test_zero_cells_without_correction_are_an_error() -> None:
    data = pd.DataFrame({"ai": [0, 4], "bi": [10, 6], "ci": [2, 3], "di": [8, 7]})
    with pytest.raises(InputError, match=r"row 1.*not computable"):
        fit_meta(data, "OR", zero_cells=ZeroCellSettings(to="none"))


def test_unknown_subgroup_column() -> None:
    with pytest.raises(InputError, match="subgroup column 'route'"):
        fit_meta(pd.DataFrame({"yi": [0.1, 0.2], "vi": [0.1, 0.1]}), "GEN", by="route")


def test_json_has_contract_keys_and_no_nan() -> None:
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        {
            "study": [f"s{i}" for i in range(12)],
            "yi": rng.normal(size=12),
            "vi": 0.1,
            "g": ["a", "b"] * 6,
        }
    )
    out = fit_meta(data, "GEN", by="g").to_dict()
    keys = ["k", "estimate", "se", "ci_lb", "ci_ub", "pval", "pi_lb", "pi_ub", "tau2"]
    keys += ["tau2_ci_lb", "tau2_ci_ub", "I2", "I2_ci_lb", "I2_ci_ub", "H2", "Q", "Q_df", "Q_p"]
    keys += ["yi", "vi", "leave1out_estimate", "egger_lm", "subgroups", "Q_between"]
    keys += ["Q_between_df", "Q_between_p", "settings", "corrections", "study", "warnings"]
    for key in keys:
        assert key in out, key
    json.dumps(out, allow_nan=False)  # NaN/inf must have become null
    assert set(out["subgroups"]) == {"a", "b"}
    assert out["settings"]["method"] == "REML" and out["settings"]["test"] == "adhoc"
    assert out["study"][0] == "s0"


def test_pm_beyond_search_limit_raises_convergence_error() -> None:
    # mad(y) = 0 so the search limit is tau2 = 100, where Q is still 20 > k - 1 = 4:
    # metafor stops with "tau2.max too low"; the engine raises a typed error.
    data = pd.DataFrame({"yi": [0.0, 0.0, 0.0, 0.0, 50.0], "vi": 0.001})
    with pytest.raises(ConvergenceError, match="PM"):
        fit_meta(data, "GEN", "PM", "z")


def test_subgroup_value_missing_is_named() -> None:
    data = pd.DataFrame({"yi": [0.1, 0.2, 0.3], "vi": [0.1, 0.1, 0.1], "route": ["iv", None, "in"]})
    with pytest.raises(InputError, match=r"row 2.*subgroup column route is empty"):
        fit_meta(data, "GEN", by="route")


def test_fit_regression_on_table_matches_metafor(bcg: pd.DataFrame, extra: dict[str, Any]) -> None:
    fit = fit_regression(bcg, "RR", ["ablat", "year", "alloc"], "REML", "knha")
    ref = extra["mreg_REML_knha"]
    np.testing.assert_allclose(fit.beta, ref["beta"], rtol=1e-4)
    assert pytest.approx(ref["QM"], rel=1e-4) == fit.QM
    assert fit.to_dict()["coefficients"]["ablat"]["estimate"] == pytest.approx(
        ref["beta"][1], rel=1e-4
    )


def test_oscillating_reml_falls_back_to_half_steps_and_says_so(extra: dict[str, Any]) -> None:
    ref = extra["oscillating"]
    assert "did not converge" in ref["full_step_error"]  # metafor fails with full steps too
    result = fit_meta(pd.DataFrame({"yi": ref["yi"], "vi": ref["vi"]}), "GEN", "REML", "z")
    out = result.to_dict()
    assert out["tau2"] == pytest.approx(ref["tau2"], rel=1e-4)
    assert out["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
    assert out["se"] == pytest.approx(ref["se"], rel=1e-6)
    assert any("stepadj = 0.5, maxiter = 100" in w for w in out["warnings"])


def test_oscillating_reml_in_meta_regression(extra: dict[str, Any]) -> None:
    ref = extra["oscillating"]
    k = len(ref["yi"])
    from trialsynth.meta.regression import fit_meta_regression

    fit = fit_meta_regression(ref["yi"], ref["vi"], np.ones((k, 1)), ["intrcpt"], "REML", "z")
    assert fit.tau2 == pytest.approx(ref["tau2"], rel=1e-4)
    assert fit.settings["stepadj"] == 0.5


def test_egger_matches_metafor_and_is_null_for_equal_standard_errors() -> None:
    case = REFERENCE / "bcg_rr_reml"
    expected = json.loads((case / "case.json").read_text())["expected"]["egger_lm"]
    es = compute_effect_sizes(pd.read_csv(case / "data.csv"), "RR", [str(i) for i in range(13)])
    egger = egger_lm(es.yi, es.vi)
    assert egger.stat == pytest.approx(expected["stat"], rel=1e-8)
    assert egger.pval == pytest.approx(expected["pval"], rel=1e-8)
    flat = fit_meta(pd.DataFrame({"yi": np.linspace(-1, 1, 12), "vi": 0.1}), "GEN").to_dict()
    assert flat["egger_lm"]["stat"] is None
    assert any("Egger" in w for w in flat["warnings"])


def test_cumulative_block_in_result_matches_metafor(
    bcg: pd.DataFrame, extra: dict[str, Any]
) -> None:
    ref = extra["cumul_REML_adhoc"]
    out = fit_meta(bcg, "RR", "REML", "adhoc", cumulative_by="year").to_dict()
    block = out["cumulative"]
    assert block["order_by"] == "year"
    assert block["study"] == [str(i + 1) for i in ref["order"]]
    np.testing.assert_allclose(block["estimate"], ref["estimate"], rtol=1e-4)


def test_level_90_matches_metafor(bcg: pd.DataFrame, extra: dict[str, Any]) -> None:
    out = fit_meta(bcg, "RR", "REML", "knha", level=90).to_dict()
    for key, value in extra["level90"].items():
        assert out[key] == pytest.approx(value, rel=1e-6), key
