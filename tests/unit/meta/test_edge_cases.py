"""k = 1 and k = 2 as metafor, overflowing input refused with its row, memory linear in k."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trialsynth.errors import InputError
from trialsynth.meta import fit_meta
from trialsynth.meta.sensitivity import cumulative, leave_one_out

ROOT = Path(__file__).parents[3]
REFERENCE = json.loads((ROOT / "tests/reference/meta_core/reference.json").read_text())


@pytest.mark.parametrize("pi", ["hts", "normal"])
def test_k1_prediction_interval_equals_the_ci(pi: str) -> None:
    ref = REFERENCE["k1"]
    result = fit_meta(pd.DataFrame({"yi": [ref["yi"]], "vi": [ref["vi"]]}), "GEN", pi=pi)
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert getattr(result, key) == pytest.approx(ref[key], rel=1e-12), key
    assert result.pi_hts_lb == result.ci_lb and result.pi_normal_ub == result.ci_ub
    assert any("prediction interval equals the CI" in w for w in result.warnings)


def test_k2_hts_falls_back_to_one_df_with_a_warning() -> None:
    ref = REFERENCE["k2"]
    data = pd.DataFrame({"yi": ref["yi"], "vi": ref["vi"]})
    result = fit_meta(data, "GEN", method="REML", test="adhoc", pi="hts")
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2"):
        assert getattr(result, key) == pytest.approx(ref[key], rel=1e-6), key
    assert ref["pi_df"] == 1
    assert any("k - 2 = 0" in w and "1 df" in w for w in result.warnings)
    normal = fit_meta(data, "GEN", method="REML", test="adhoc", pi="normal")
    assert not any("k - 2 = 0" in w for w in normal.warnings)


@pytest.mark.parametrize(
    ("measure", "rows", "column"),
    [
        ("RR", {"ai": [1e308, 3], "bi": [1e308, 10], "ci": [5, 5], "di": [10, 10]}, "ai"),
        ("PLO", {"xi": [3, 1e17], "ni": [10, 2e17]}, "xi"),
        ("SMD", {"m1i": [1, 2], "sd1i": [1, 1], "n1i": [1e300, 10],
                 "m2i": [0, 0], "sd2i": [1, 1], "n2i": [10, 10]}, "n1i"),
    ],
)  # fmt: skip
def test_counts_beyond_exact_integers_are_refused_naming_the_row(
    measure: str, rows: dict[str, list[float]], column: str
) -> None:
    bad_row = 1 if measure != "PLO" else 2
    with pytest.raises(InputError, match=rf"row {bad_row}.*{column}|{column}.*row {bad_row}"):
        fit_meta(pd.DataFrame(rows), measure)


@pytest.mark.parametrize(
    "rows",
    [
        {"yi": [0.1, 0.2, 0.3], "vi": [1e-308, 1e-308, 0.01]},
        {"yi": [1e308, 1e308, 0.3], "vi": [1.0, 1.0, 0.01]},
        {"yi": [0.1, 1e200, 0.3], "vi": [0.01, 1e-200, 0.01]},
    ],
)
def test_weights_that_overflow_are_an_input_error_not_a_pooled_number(
    rows: dict[str, list[float]],
) -> None:
    with pytest.raises(InputError, match=r"row \d.*overflow"):
        fit_meta(pd.DataFrame(rows), "GEN")


def test_means_that_overflow_name_the_row() -> None:
    data = pd.DataFrame(
        {"m1i": [1.0, 1e308], "sd1i": [1, 1], "n1i": [10, 10],
         "m2i": [0, -1e308], "sd2i": [1, 1], "n2i": [10, 10]}
    )  # fmt: skip
    with pytest.raises(InputError, match="row 2"):
        fit_meta(data, "MD")


@pytest.mark.parametrize("refit", [leave_one_out, cumulative])
def test_sensitivity_refits_never_hold_a_k_by_k_array(refit) -> None:  # type: ignore[no-untyped-def]
    k = 3000
    rng = np.random.default_rng(7)
    vi = rng.uniform(0.01, 0.25, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    tracemalloc.start()
    fit = refit(yi, vi, "DL", "z")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(fit.tau2) == k
    assert peak < k * k * 8  # less than one k x k array of floats (72 MB)


def test_leave_one_out_is_skipped_with_a_note_above_the_auto_limit() -> None:
    from trialsynth.meta.fit import LEAVE1OUT_AUTO_MAX_K

    k = LEAVE1OUT_AUTO_MAX_K + 1
    rng = np.random.default_rng(3)
    vi = rng.uniform(0.01, 0.25, k)
    data = pd.DataFrame({"yi": rng.normal(0.3, np.sqrt(vi + 0.1)), "vi": vi})
    result = fit_meta(data, "GEN", method="DL")
    assert result.leave1out is None and result.leave1out_estimate == []
    assert any("leave-one-out skipped" in w and "--leave1out yes" in w for w in result.warnings)
    small = fit_meta(data.iloc[:5], "GEN", method="DL", leave1out="no")
    assert small.leave1out is None
    assert fit_meta(data.iloc[:5], "GEN", method="DL").leave1out is not None


def test_models_with_moderators_refuse_overflow_too() -> None:
    from trialsynth.meta import fit_moderated, fit_regression

    data = pd.DataFrame(
        {"yi": [0.1, 0.2, 0.3, 0.4], "vi": [1e-308, 1e-308, 0.01, 0.02], "x": [1, 2, 3, 4]}
    )
    with pytest.raises(InputError, match=r"row 1 .*overflow"):
        fit_moderated(data, "GEN", mods=["x"])
    with pytest.raises(InputError, match=r"row 1 .*overflow"):
        fit_regression(data, "GEN", ["x"])
