"""Statistics the report's sensitivity section draws on, checked against R metafor and pymare.

Reference numbers: ``tests/reference/meta_core/make_reference.R`` (metafor 3.8-1, R's
``prop.test`` / ``binom.test``), stored in ``reference.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pymare import Dataset
from pymare.estimators import DerSimonianLaird, Hedges, VarianceBasedLikelihoodEstimator

from trialsynth.errors import InputError
from trialsynth.meta.batch import fit_batch
from trialsynth.meta.bias import egger_lm, funnel_data
from trialsynth.meta.gosh import GOSH_MAX_K, gosh, subset_masks
from trialsynth.meta.proportions import proportion_cis
from trialsynth.meta.sensitivity import estimator_sensitivity

ROOT = Path(__file__).parents[3]
REFERENCE = json.loads((ROOT / "tests/reference/meta_core/reference.json").read_text())
BCG_Y = np.array(REFERENCE["bcg"]["yi"])
BCG_V = np.array(REFERENCE["bcg"]["vi"])


def test_estimator_sensitivity_table_equals_metafor() -> None:
    table = estimator_sensitivity(BCG_Y, BCG_V)
    assert list(zip(table["method"], table["test"], strict=True)) == [
        (m, t) for m in ("REML", "DL", "PM", "ML") for t in ("knha", "z")
    ]
    for ref in REFERENCE["bcg"]["sensitivity"]:
        row = table[(table["method"] == ref["method"]) & (table["test"] == ref["test"])].iloc[0]
        for key in ("estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "I2"):
            assert row[key] == pytest.approx(ref[key], rel=1e-6, abs=1e-9), (ref["method"], key)
        assert row["converged"]


def test_egger_through_statsmodels_equals_metafor_regtest() -> None:
    ref = REFERENCE["egger"]
    egger = egger_lm(BCG_Y, BCG_V)
    assert egger.stat == pytest.approx(ref["stat"], rel=1e-9)
    assert egger.pval == pytest.approx(ref["pval"], rel=1e-9)
    assert egger.df == ref["df"]
    # the fitted line passes through the weighted means, as a WLS line must
    w = 1 / BCG_V
    assert egger.intercept + egger.slope * np.average(np.sqrt(BCG_V), weights=w) == pytest.approx(
        np.average(BCG_Y, weights=w)
    )


def test_funnel_region_is_the_pseudo_ci_around_the_estimate() -> None:
    studies, region = funnel_data(BCG_Y, BCG_V, estimate=-0.7, level=95.0, points=5)
    assert studies["sei"].tolist() == pytest.approx(np.sqrt(BCG_V).tolist())
    assert region["sei"].iloc[-1] == pytest.approx(np.sqrt(BCG_V).max())
    assert region["upper"].iloc[-1] == pytest.approx(
        -0.7 + 1.959963984540054 * region["sei"].iloc[-1]
    )
    assert region["lower"].iloc[0] == region["upper"].iloc[0] == -0.7


@pytest.mark.parametrize(("method", "prefix"), [("wilson", "wilson"), ("beta", "cp")])
def test_single_arm_proportion_cis_equal_r(method: str, prefix: str) -> None:
    ref = REFERENCE["proportions"]
    table = proportion_cis(np.array(ref["xi"]), np.array(ref["ni"]), method=method)
    assert table["ci_lb"].tolist() == pytest.approx(ref[f"{prefix}_lb"], abs=1e-9)
    assert table["ci_ub"].tolist() == pytest.approx(ref[f"{prefix}_ub"], abs=1e-9)


def test_proportion_outside_its_arm_names_the_row() -> None:
    with pytest.raises(InputError, match="row 2"):
        proportion_cis(np.array([1, 12]), np.array([10, 11]))


@pytest.mark.parametrize("method", ["FE", "DL"])
def test_gosh_equals_metafor_on_a_sample_of_subsets(method: str) -> None:
    ref = REFERENCE[f"gosh_{method}"]
    result = gosh(BCG_Y, BCG_V, method=method)
    assert len(result.subset) == ref["n_subsets"] == 2**13 - 1
    rows = np.array([sum(int(c) << j for j, c in enumerate(s)) for s in ref["incl"]]) - 1
    assert (result.subset[rows] == rows + 1).all()
    for key in ("estimate", "I2", "tau2", "Q", "H2"):
        ours = getattr(result, key)[rows]
        assert ours == pytest.approx(np.array(ref[key], dtype=float), rel=1e-9, abs=1e-10), key
    assert [result.estimate.min(), result.estimate.max()] == pytest.approx(ref["estimate_range"])
    assert [result.I2.min(), result.I2.max()] == pytest.approx(ref["I2_range"])


def test_gosh_with_an_iterative_estimator_matches_single_fits() -> None:
    result = gosh(BCG_Y[:6], BCG_V[:6], method="REML")
    for row in (0, 10, 40, 62):
        incl = subset_masks(result.subset[row : row + 1], 6)
        single = fit_batch(BCG_Y[None, :6], BCG_V[None, :6], incl, "REML", "z", "normal")
        assert result.estimate[row] == pytest.approx(single.pooled.estimate[0], rel=1e-12)
        assert result.tau2[row] == pytest.approx(single.tau2[0], rel=1e-12, abs=1e-15)
        assert result.k[row] == incl.sum()


def test_gosh_refuses_more_than_its_limit() -> None:
    with pytest.raises(InputError, match=f"k <= {GOSH_MAX_K}"):
        gosh(np.zeros(GOSH_MAX_K + 1), np.ones(GOSH_MAX_K + 1))


def test_pymare_agrees_with_the_engine_on_bcg() -> None:
    """pymare is an independent implementation: its DL and Hedges estimators are closed forms
    (exact agreement); its REML is a numerical optimiser (agreement to its tolerance)."""
    mask = np.ones((1, len(BCG_Y)), dtype=bool)
    data = Dataset(y=BCG_Y, v=BCG_V)
    for method, estimator, tol in (
        ("DL", DerSimonianLaird(), 1e-10),
        ("HE", Hedges(), 1e-10),
        ("REML", VarianceBasedLikelihoodEstimator(method="REML"), 1e-4),
    ):
        summary = estimator.fit_dataset(data).summary()
        ours = fit_batch(BCG_Y[None, :], BCG_V[None, :], mask, method, "z", "normal")
        tau2 = float(np.ravel(summary.tau2)[0])
        estimate = float(np.ravel(summary.fe_params)[0])
        assert tau2 == pytest.approx(ours.tau2[0], rel=tol), method
        assert estimate == pytest.approx(ours.pooled.estimate[0], rel=tol), method
