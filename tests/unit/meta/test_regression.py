"""Meta-regression against metafor 4.6.0 (PyMARE validation set) and metafor 3.8-1 (BCG)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trialsynth.errors import InputError
from trialsynth.meta.batch import fit_batch
from trialsynth.meta.effect_sizes import EffectSizes
from trialsynth.meta.regression import design_matrix, fit_meta_regression

from .conftest import FIXTURES

CASES = json.loads((FIXTURES / "metafor_reference.json").read_text())["cases"]
SAMPLE = pd.read_csv(FIXTURES / "metafor_small_sample.csv")
MODS = {"intercept": [], "one": ["mod1"], "two": ["mod1", "mod2"]}


def _case_id(c: dict[str, Any]) -> str:
    return f"{c['design']}-{c['model']}-{c['method']}-{c['test']}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_regression_matches_metafor_46(case: dict[str, Any]) -> None:
    data = SAMPLE[SAMPLE.case == case["design"]]
    x, names = design_matrix(data, MODS[case["model"]])
    fit = fit_meta_regression(data.y, data.v, x, names, case["method"], case["test"])
    rtol = 1e-4 if case["method"] in ("REML", "ML") else 1e-6
    for key in ("beta", "se", "pval", "ci_lb", "ci_ub"):
        np.testing.assert_allclose(getattr(fit, key), case[key], rtol=rtol, err_msg=key)
    np.testing.assert_allclose(fit.tau2, case["tau2"], rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("case", [c for c in CASES if c["model"] == "intercept"], ids=_case_id)
def test_batched_engine_matches_metafor_46(case: dict[str, Any]) -> None:
    data = SAMPLE[SAMPLE.case == case["design"]]
    y, v = data.y.to_numpy()[None, :], data.v.to_numpy()[None, :]
    fit = fit_batch(y, v, np.ones_like(y, bool), case["method"], case["test"], q_profile=False)
    rtol = 1e-4 if case["method"] in ("REML", "ML") else 1e-6
    np.testing.assert_allclose(fit.pooled.estimate, case["beta"], rtol=rtol)
    np.testing.assert_allclose(fit.pooled.se, case["se"], rtol=rtol)
    np.testing.assert_allclose(fit.pooled.ci_lb, case["ci_lb"], rtol=rtol)
    np.testing.assert_allclose(fit.tau2, case["tau2"], rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("method", ["ML", "REML", "DL", "PM", "FE"])
@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
def test_bcg_moderators_match_metafor(
    bcg: pd.DataFrame, bcg_rr: EffectSizes, extra: dict[str, Any], method: str, test: str
) -> None:
    ref = extra[f"mreg_{method}_{test}"]
    es = bcg_rr
    x, names = design_matrix(bcg, ["ablat", "year", "alloc"])
    fit = fit_meta_regression(es.yi, es.vi, x, names, method, test)
    assert names == ref["names"]
    for key in ("beta", "se", "ci_lb", "ci_ub", "pval"):
        np.testing.assert_allclose(getattr(fit, key), ref[key], rtol=1e-4, err_msg=key)
    np.testing.assert_allclose(fit.tau2, ref["tau2"], rtol=1e-4, atol=1e-10)
    np.testing.assert_allclose(fit.QM, ref["QM"], rtol=1e-4)
    np.testing.assert_allclose(fit.QM_p, ref["QMp"], rtol=1e-4)
    np.testing.assert_allclose(fit.QE, ref["QE"], rtol=1e-6)
    np.testing.assert_allclose(fit.I2, ref["I2"], rtol=1e-4, atol=1e-10)


def test_intercept_only_regression_equals_batched_engine() -> None:
    data = SAMPLE[SAMPLE.case == "moderate_k20"]
    x, names = design_matrix(data, [])
    reg = fit_meta_regression(data.y, data.v, x, names, "PM", "knha")
    y, v = data.y.to_numpy()[None, :], data.v.to_numpy()[None, :]
    fit = fit_batch(y, v, np.ones_like(y, bool), "PM", "knha", q_profile=False)
    np.testing.assert_allclose(reg.beta[0], fit.pooled.estimate[0], rtol=1e-10)
    np.testing.assert_allclose(reg.se[0], fit.pooled.se[0], rtol=1e-10)
    np.testing.assert_allclose(reg.tau2, fit.tau2[0], rtol=1e-10)


def test_collinear_moderators_are_rejected() -> None:
    data = SAMPLE[SAMPLE.case == "moderate_k20"].assign(copy=lambda d: 2 * d.mod1)
    x, names = design_matrix(data, ["mod1", "copy"])
    with pytest.raises(InputError, match="collinear"):
        fit_meta_regression(data.y, data.v, x, names)


def test_missing_moderator_column_is_named() -> None:
    with pytest.raises(InputError, match="'followup_days' not found"):
        design_matrix(SAMPLE, ["followup_days"])
