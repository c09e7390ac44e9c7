"""Estimator sensitivity table of the report: the pooled estimate under other tau^2 estimators
and CI tests, formatted as a journal prints it.

The fits are :func:`trialsynth.meta.sensitivity.estimator_sensitivity` (REML, DerSimonian-Laird,
Paule-Mandel and ML, each with the protocol's test and with the normal z test; Cochrane Handbook
10.10.4.1; Veroniki et al. 2016, Res Synth Methods 7:55) on the study effects the main model
pooled; this module only chooses the tests and formats the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from trialsynth.formatting import format_number, format_percent
from trialsynth.meta.result import MetaResult
from trialsynth.meta.sensitivity import SENSITIVITY_METHODS, estimator_sensitivity

ESTIMATOR_NAMES = {
    "REML": "restricted maximum likelihood",
    "DL": "DerSimonian-Laird",
    "PM": "Paule-Mandel",
    "ML": "maximum likelihood",
}
MIN_K = 3


def estimator_table(result: MetaResult, settings: Mapping[str, Any]) -> list[dict[str, str]]:
    """One row per estimator and test: estimate [CI], tau^2 and I^2 (reporting scale).

    Parameters
    ----------
    result
        The main model (its ``yi``/``vi`` are the pooled study effects).
    settings
        The protocol's ``meta`` settings (``test``, ``pi``, ``level``).
    """
    tests = [str(settings.get("test", "adhoc"))]
    if "z" not in tests:
        tests.append("z")
    frame = estimator_sensitivity(
        np.asarray(result.yi, dtype=float),
        np.asarray(result.vi, dtype=float),
        methods=SENSITIVITY_METHODS,
        tests=tuple(tests),
        level=float(settings.get("level", 95)),
        pi=str(settings.get("pi", "hts")),
    )
    shown = result.effect_measure()
    rows = []
    for row in frame.to_dict(orient="records"):
        method = str(row["method"])
        effect = (
            shown.format_effect(row["estimate"], row["ci_lb"], row["ci_ub"])
            if row["converged"]
            else "did not converge"
        )
        rows.append(
            {
                "method": f"{method} ({ESTIMATOR_NAMES.get(method, method)})",
                "test": str(row["test"]),
                "effect": effect,
                "tau2": format_number(row["tau2"], 3),
                "I2": format_percent(row["I2"]),
            }
        )
    return rows
