"""The package's weighted least squares gives statsmodels' numbers bit for bit.

:func:`trialsynth.meta.wls.wls_fit` repeats statsmodels' ``WLS(...).fit()`` operation by
operation so that a ``meta`` job need not import statsmodels (and ``scipy.stats``). Every fit
the package makes is compared here with statsmodels' own on real data: the metafor reference
datasets (Egger's regression, the intercept-only fit of ``QE`` and the three-level model's
starting values, with weights ``1/v`` and ``1/(v + tau^2)``), the BCG moderators and the
PyMARE validation designs of the meta-regression tests, and seeded designs of the size of a
registry-scale analysis (hundreds of studies, a log-horizon moderator).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.linear_model import WLS
from statsmodels.tools.tools import add_constant

from trialsynth.meta.effect_sizes import compute_effect_sizes
from trialsynth.meta.regression import design_matrix
from trialsynth.meta.wls import WLSFit, with_intercept, wls_fit

from .conftest import FIXTURES, REFERENCE

CASES = sorted(path.name for path in REFERENCE.iterdir() if (path / "case.json").is_file())


def _assert_same_fit(ours: WLSFit, y: np.ndarray, x: np.ndarray, weights: np.ndarray) -> None:
    """Every attribute the package reads, equal in every bit (NaN where statsmodels has NaN)."""
    theirs = WLS(y, x, weights=weights).fit()
    for name in ("params", "normalized_cov_params", "bse", "tvalues"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name), err_msg=name)
    for name in ("ssr", "scale", "df_resid", "rsquared_adj"):
        mine, reference = getattr(ours, name), float(getattr(theirs, name))
        assert mine == reference or (np.isnan(mine) and np.isnan(reference)), name


def _effect_sizes(case: str) -> tuple[np.ndarray, np.ndarray]:
    spec = json.loads((REFERENCE / case / "case.json").read_text())["spec"]
    data = pd.read_csv(REFERENCE / case / "data.csv")
    es = compute_effect_sizes(data, spec["measure"], [str(s) for s in range(len(data))])
    return es.yi, es.vi


@pytest.mark.parametrize("case", CASES)
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # k = 2: no residual df
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_the_fits_of_a_meta_job_equal_statsmodels_on_the_metafor_datasets(case: str) -> None:
    yi, vi = _effect_sizes(case)
    sei = np.sqrt(vi)
    # Egger's test: yi on (1, sei) with weights 1/vi
    np.testing.assert_array_equal(with_intercept(sei), add_constant(sei, has_constant="add"))
    _assert_same_fit(wls_fit(yi, with_intercept(sei), 1.0 / vi), yi, with_intercept(sei), 1 / vi)
    # QE and the three-level model's start: the intercept-only fit with weights 1/vi; the
    # coefficient tests: weights 1/(vi + tau^2)
    ones = np.ones((len(yi), 1))
    _assert_same_fit(wls_fit(yi, ones, 1 / vi), yi, ones, 1 / vi)
    tau2 = float(np.var(yi))
    _assert_same_fit(wls_fit(yi, ones, 1 / (vi + tau2)), yi, ones, 1 / (vi + tau2))


def test_meta_regression_designs_equal_statsmodels(bcg: pd.DataFrame) -> None:
    es = compute_effect_sizes(bcg, "RR", [str(i) for i in range(len(bcg))])
    for moderators in (["ablat"], ["ablat", "year", "alloc"], ["alloc"]):
        x, _ = design_matrix(bcg, moderators)
        _assert_same_fit(wls_fit(es.yi, x, 1 / es.vi), es.yi, x, 1 / es.vi)
        _assert_same_fit(wls_fit(es.yi, x, 1 / (es.vi + 0.1)), es.yi, x, 1 / (es.vi + 0.1))
    sample = pd.read_csv(FIXTURES / "metafor_small_sample.csv")
    for _, data in sample.groupby("case"):
        for moderators in ([], ["mod1"], ["mod1", "mod2"]):
            x, _ = design_matrix(data, moderators)
            y, v = data.y.to_numpy(float), data.v.to_numpy(float)
            _assert_same_fit(wls_fit(y, x, 1 / v), y, x, 1 / v)


@pytest.mark.parametrize("seed", range(6))
def test_registry_sized_designs_equal_statsmodels(seed: int) -> None:
    """Hundreds of studies (Egger's test of a large analysis) and a log-horizon moderator by
    modality (the durability meta-regression), including a constant standard error."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(10, 400))
    vi = rng.uniform(0.005, 0.6, k)
    yi = rng.normal(0.3, 0.4, k) + rng.normal(0, np.sqrt(vi))
    sei = np.sqrt(vi)
    _assert_same_fit(wls_fit(yi, with_intercept(sei), 1 / vi), yi, with_intercept(sei), 1 / vi)
    days = rng.choice([7.0, 28.0, 90.0, 180.0, 365.0], k)
    modality = rng.integers(0, 2, k).astype(float)
    x = np.column_stack([np.ones(k), np.log(days), modality, np.log(days) * modality])
    _assert_same_fit(wls_fit(yi, x, 1 / vi), yi, x, 1 / vi)
    equal = np.full(k, 0.04)
    _assert_same_fit(wls_fit(yi, np.ones((k, 1)), equal), yi, np.ones((k, 1)), equal)


def test_a_single_row_and_a_perfect_fit_equal_statsmodels() -> None:
    y, x = np.array([0.4]), np.ones((1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        _assert_same_fit(wls_fit(y, x, np.array([2.0])), y, x, np.array([2.0]))
    y = np.array([1.0, 2.0, 3.0])
    x = with_intercept(np.array([0.0, 1.0, 2.0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        _assert_same_fit(wls_fit(y, x, np.ones(3)), y, x, np.ones(3))


def test_no_statsmodels_behind_the_fits() -> None:
    source = Path(wls_fit.__code__.co_filename).read_text()
    assert "import statsmodels" not in source and "from statsmodels" not in source
