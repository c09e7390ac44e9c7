"""escalc conventions and zero-cell rules against metafor 3.8-1."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trialsynth.meta.effect_sizes import ZeroCellSettings, compute_effect_sizes, hedges_correction


@pytest.mark.parametrize(
    ("measure", "add", "to", "drop00"),
    [
        ("OR", 0.5, "only0", True),
        ("OR", 1, "all", False),
        ("RR", 0.5, "if0all", False),
        ("RD", 0.5, "only0", False),
        ("RD", 0.5, "none", False),
    ],
)
def test_zero_cell_rules_match_escalc(
    extra: dict[str, Any], measure: str, add: float, to: str, drop00: bool
) -> None:
    data = pd.DataFrame(extra["yusuf"]).astype(float)
    labels = [f"S{i + 1}" for i in range(len(data))]
    es = compute_effect_sizes(data, measure, labels, ZeroCellSettings(add, to, drop00))
    ref = extra[f"escalc_{measure}_{add}_{to}_{str(drop00).upper()}"]
    want_yi = np.array([np.nan if v in (None, "NA") else v for v in ref["yi"]], dtype=float)
    want_vi = np.array([np.nan if v in (None, "NA") else v for v in ref["vi"]], dtype=float)
    kept = ~np.isnan(want_yi)
    np.testing.assert_allclose(es.yi, want_yi[kept], rtol=1e-10)
    np.testing.assert_allclose(es.vi, want_vi[kept], rtol=1e-10)
    assert len(es.dropped) == int((~kept).sum())
    if to == "none":
        assert es.corrected == []


def test_double_zero_study_is_dropped_and_named(extra: dict[str, Any]) -> None:
    data = pd.DataFrame(extra["yusuf"]).astype(float)
    labels = [f"S{i + 1}" for i in range(len(data))]
    es = compute_effect_sizes(data, "OR", labels, ZeroCellSettings(drop00=True))
    ref = extra["escalc_OR_0.5_only0_TRUE"]["yi"]
    metafor_dropped = [labels[i] for i, value in enumerate(ref) if value in (None, "NA")]
    assert es.dropped == metafor_dropped and len(metafor_dropped) >= 1
    assert not set(metafor_dropped) & set(es.study)
    kept = compute_effect_sizes(data, "OR", labels)
    assert set(metafor_dropped) <= set(kept.corrected) and kept.dropped == []


def test_plo_to_all_matches_escalc(extra: dict[str, Any]) -> None:
    data = pd.DataFrame(extra["pritz"]).astype(float)
    es = compute_effect_sizes(
        data, "PLO", list(map(str, range(len(data)))), ZeroCellSettings(to="all")
    )
    np.testing.assert_allclose(es.yi, extra["escalc_PLO_all"]["yi"], rtol=1e-10)
    np.testing.assert_allclose(es.vi, extra["escalc_PLO_all"]["vi"], rtol=1e-10)
    assert len(es.corrected) == len(data)


def test_hedges_correction_exact_value() -> None:
    # c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); m = 10: 24 / (sqrt(5) Gamma(4.5))
    exact = 24 / (math.sqrt(5) * math.gamma(4.5))
    assert hedges_correction(np.array([10.0]))[0] == pytest.approx(exact, rel=1e-12)
    # close to Hedges' approximation 1 - 3 / (4m - 1) = 0.923077
    assert hedges_correction(np.array([10.0]))[0] == pytest.approx(1 - 3 / 39, abs=5e-4)
