"""Estimator sensitivity: the pooled estimate under other tau^2 estimators and CI tests.

Every analysis with k >= 3 is refitted with REML, DerSimonian-Laird, Paule-Mandel and maximum
likelihood, each with the protocol's CI test (Knapp-Hartung / ad hoc) and with the normal (z)
test (Cochrane Handbook 10.10.4.3; Veroniki et al. 2016, Res Synth Methods 7:55). The fits are
the engine's own (:func:`trialsynth.meta.fit_meta`): this module only chooses the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from trialsynth.formatting import format_number, format_percent
from trialsynth.meta import ZeroCellSettings, fit_meta

ESTIMATORS = (
    ("REML", "restricted maximum likelihood"),
    ("DL", "DerSimonian-Laird"),
    ("PM", "Paule-Mandel"),
    ("ML", "maximum likelihood"),
)
MIN_K = 3


def estimator_sensitivity(
    data: pd.DataFrame, measure: str, settings: Mapping[str, Any]
) -> list[dict[str, str]]:
    """One row per estimator and test: estimate [CI], tau^2 and I^2 (reporting scale).

    Parameters
    ----------
    data
        The analysis input table (metafor column names).
    measure
        Its effect measure.
    settings
        The protocol's ``meta`` settings (``test``, ``level``, ``zero_cells``).
    """
    zero = settings.get("zero_cells") or {}
    zero_cells = ZeroCellSettings(
        add=float(zero.get("add", 0.5)),
        to=str(zero.get("to", "only0")),
        drop00=bool(zero.get("drop00", False)),
    )
    tests = [str(settings.get("test", "adhoc"))]
    if "z" not in tests:
        tests.append("z")
    rows = []
    for method, name in ESTIMATORS:
        for test in tests:
            fit = fit_meta(
                data,
                measure,
                method=method,
                test=test,
                pi=str(settings.get("pi", "hts")),
                level=float(settings.get("level", 95)),
                zero_cells=zero_cells,
            )
            shown = fit.effect_measure()
            rows.append(
                {
                    "method": f"{method} ({name})",
                    "test": test,
                    "effect": shown.format_effect(fit.estimate, fit.ci_lb, fit.ci_ub),
                    "tau2": format_number(fit.tau2, 3),
                    "I2": format_percent(fit.I2),
                }
            )
    return rows
