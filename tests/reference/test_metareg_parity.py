"""Parity with R metafor for models with moderators, three-level models, robust tests, predictions.

Cases in ``metareg/`` are computed by ``metareg/make_metareg_reference.R`` (R is not needed to
run these tests). Each case is fitted through :func:`trialsynth.meta.moderated.fit_moderated`,
the function behind ``trialsynth meta --mods/--cluster/--robust``, and its JSON is compared key
by key. Tolerances: relative 1e-6 for closed-form estimators (FE, DL, HE), 1e-4 for iterative
ones (REML, ML, PM, and every three-level model); absolute 1e-8 for numbers near zero (metafor's
own iterations stop at about that precision for a variance on the boundary).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trialsynth.meta.moderated import fit_moderated
from trialsynth.meta.moderators import build_design
from trialsynth.meta.predict import linear_combination, predict
from trialsynth.meta.regression import fit_meta_regression
from trialsynth.meta.result import MetaResult

HERE = Path(__file__).parent / "metareg"
CASES = sorted(d for d in HERE.glob("*/") if (d / "case.json").exists())
DESIGNS = json.loads((HERE / "designs.json").read_text())
SAMPLE = pd.read_csv(Path(__file__).parents[1] / "fixtures" / "meta" / "metafor_small_sample.csv")
#: metafor's rma.mv test -> ``trialsynth meta --test``.
CLI_TEST = {"z": "z", "t": "knha", "knha": "knha", "adhoc": "adhoc"}
COMPARED = (
    "coefficients",
    "QM",
    "QM_df",
    "QM_p",
    "QE",
    "QE_df",
    "QE_p",
    "tau2",
    "I2",
    "R2",
    "sigma2",
    "vcov",
    "yi",
    "vi",
    "n_clusters",
    "df",
    "k",
)


def _rtol(spec: dict[str, Any]) -> float:
    if spec.get("model") == "rma.mv" or spec["method"] in ("REML", "ML", "PM"):
        return 1e-4
    return 1e-6


def _compare(key: str, got: Any, want: Any, rtol: float, failures: list[str]) -> None:
    if want is None:
        if got is not None and not (isinstance(got, float) and np.isnan(got)):
            failures.append(f"{key}: got {got}, metafor has none")
        return
    if isinstance(want, dict):
        if not isinstance(got, dict) or list(got) != list(want):
            failures.append(f"{key}: keys {None if got is None else list(got)} != {list(want)}")
            return
        for sub, value in want.items():
            _compare(f"{key}.{sub}", got[sub], value, rtol, failures)
        return
    if got is None:
        failures.append(f"{key}: missing (metafor {want})")
        return
    have, expect = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if have.shape != expect.shape or not np.allclose(have, expect, rtol=rtol, atol=1e-8):
        failures.append(f"{key}: got {got}, metafor {want}")


def _fit_case(case_dir: Path) -> tuple[MetaResult, dict[str, Any], dict[str, Any]]:
    case = json.loads((case_dir / "case.json").read_text())
    spec = case["spec"]
    data = pd.read_csv(case_dir / "data.csv")
    result = fit_moderated(
        data,
        spec["measure"],
        spec["mods"],
        method=spec["method"],
        test=CLI_TEST[spec["test"]],
        cluster=spec.get("cluster"),
        robust=bool(spec.get("robust")),
    )
    return result, spec, case["expected"]


@pytest.mark.parametrize("case_dir", CASES, ids=lambda d: d.name)
def test_model_matches_metafor(case_dir: Path) -> None:
    result, spec, expected = _fit_case(case_dir)
    ours = result.to_dict()
    failures: list[str] = []
    for key in COMPARED:
        if key in expected:
            _compare(key, ours.get(key), expected[key], _rtol(spec), failures)
    assert not failures, "\n".join(failures)
    assert ours["settings"]["metafor_call"].startswith("robust(" if spec.get("robust") else "rma")


def _cases_with(block: str) -> list[Path]:
    """The cases whose metafor output has ``block`` (``predictions``, ``contrasts``)."""
    return [d for d in CASES if json.loads((d / "case.json").read_text())["expected"].get(block)]


def _assert_columns(
    table: pd.DataFrame, want: dict[str, Any], keys: tuple[str, ...], rtol: float
) -> None:
    for key in keys:
        np.testing.assert_allclose(table[key], want[key], rtol=rtol, atol=1e-8, err_msg=key)


PREDICTION_CASES = _cases_with("predictions")


@pytest.mark.parametrize("case_dir", PREDICTION_CASES, ids=lambda d: d.name)
def test_predictions_match_metafor(case_dir: Path) -> None:
    result, spec, expected = _fit_case(case_dir)
    want = expected["predictions"]
    newdata = pd.DataFrame(want["newdata"])
    for source in (result, MetaResult.from_dict(json.loads(json.dumps(result.to_dict())))):
        table = predict(source, newdata)
        _assert_columns(
            table, want, ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"), _rtol(spec)
        )
        pd.testing.assert_frame_equal(table[list(newdata.columns)], newdata, check_dtype=False)


CONTRAST_CASES = _cases_with("contrasts")


@pytest.mark.parametrize("case_dir", CONTRAST_CASES, ids=lambda d: d.name)
def test_linear_combinations_match_metafor(case_dir: Path) -> None:
    result, spec, expected = _fit_case(case_dir)
    want = expected["contrasts"]
    table = linear_combination(result, want["weights"])
    assert list(table.index) == list(want["weights"])
    _assert_columns(table, want, ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub"), _rtol(spec))


@pytest.mark.parametrize(
    "case",
    DESIGNS["cases"],
    ids=lambda c: f"{c['design']}-{c['model']}-{c['method']}-{c['test']}",
)
def test_simulated_designs_match_metafor(case: dict[str, Any]) -> None:
    data = SAMPLE[SAMPLE.case == case["design"]].reset_index(drop=True)
    design, x = build_design(data, case["mods"])
    fit = fit_meta_regression(data.y, data.v, x, design.names, case["method"], case["test"])
    rtol = 1e-4 if case["method"] in ("REML", "ML") else 1e-6
    ours = {**fit.model_block(), "R2": fit.R2}
    failures: list[str] = []
    for key in ("coefficients", "tau2", "QM", "QM_df", "QM_p", "QE", "QE_p", "I2", "R2"):
        _compare(key, ours[key], case[key], rtol, failures)
    assert not failures, "\n".join(failures)


def test_case_counts() -> None:
    """The counts reported in docs/architecture.md and the README."""
    mv = [d for d in CASES if '"rma.mv"' in (d / "case.json").read_text()]
    counts = (
        len(CASES),
        len(mv),
        len(PREDICTION_CASES),
        len(CONTRAST_CASES),
        len(DESIGNS["cases"]),
    )
    assert counts == (36, 11, 13, 3, 180)
