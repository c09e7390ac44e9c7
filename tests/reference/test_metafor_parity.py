"""Parity with R metafor on every reference case (copied cases plus any external case folder).

Tolerances: relative 1e-6 for closed-form quantities, 1e-4 for iterative ones (REML, ML, PM and
the Q-profile limits). Keys that are null or absent in a case are skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trialsynth.meta.fit import fit_meta

HERE = Path(__file__).parent / "metafor"
#: Extra metafor cases: $TRIALSYNTH_METAFOR_CASES, else the shared reference folder beside the
#: checkout (../shared/reference/metafor); skipped when absent.
EXTERNAL = Path(
    os.environ.get(
        "TRIALSYNTH_METAFOR_CASES",
        Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "metafor",
    )
)


def _case_dirs() -> list[Any]:
    params = [
        pytest.param(d, id=f"repo-{d.name}")
        for d in sorted(HERE.glob("*/"))
        if (d / "case.json").exists()
    ]
    if EXTERNAL.is_dir():
        params += [
            pytest.param(d, id=f"external-{d.name}")
            for d in sorted(EXTERNAL.glob("*/"))
            if (d / "case.json").exists()
        ]
    return params


ITERATIVE_KEYS = {"tau2_ci_lb", "tau2_ci_ub", "I2_ci_lb", "I2_ci_ub"}
#: metafor key -> key of our JSON (pi_lb/pi_ub in the cases are metafor's default PI).
KEY_MAP = {"pi_lb": "pi_normal_lb", "pi_ub": "pi_normal_ub"}


def _tolerance(key: str, method: str) -> float:
    if key.split(".")[-1] in ITERATIVE_KEYS or method in ("REML", "ML", "PM"):
        return 1e-4
    return 1e-6


def _compare(key: str, got: Any, expected: Any, rtol: float, failures: list[str]) -> None:
    if expected is None:
        return
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"{key}: expected an object"
        for sub, value in expected.items():
            _compare(f"{key}.{sub}", got.get(sub), value, rtol, failures)
        return
    want = np.asarray(expected, dtype=float)
    if got is None:
        if np.all(np.isnan(want)):
            return
        failures.append(f"{key}: missing (expected {expected})")
        return
    have = np.asarray(got, dtype=float)
    if have.shape != want.shape or not np.allclose(
        have, want, rtol=rtol, atol=1e-10, equal_nan=True
    ):
        failures.append(f"{key}: got {got}, metafor {expected}")


@pytest.mark.parametrize("case_dir", _case_dirs())
def test_matches_metafor(case_dir: Path) -> None:
    case = json.loads((case_dir / "case.json").read_text())
    spec, expected = case["spec"], case["expected"]
    data = pd.read_csv(case_dir / "data.csv")
    by = "group" if spec.get("group") else None
    result = fit_meta(data, spec["measure"], spec["method"], spec["test"], "hts", by=by).to_dict()
    failures: list[str] = []
    for key, value in expected.items():
        ours = KEY_MAP.get(key, key)
        _compare(key, result.get(ours), value, _tolerance(key, spec["method"]), failures)
    assert not failures, "\n".join(failures)
