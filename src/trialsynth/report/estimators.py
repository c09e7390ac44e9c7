"""Estimator sensitivity table of the report: the pooled estimate under other tau^2 estimators
and CI tests, formatted as a journal prints it.

The fits are :func:`trialsynth.meta.sensitivity.estimator_sensitivity` (REML, DerSimonian-Laird,
Paule-Mandel and ML, each with the protocol's test and with the normal z test; Cochrane Handbook
10.10.4.1; Veroniki et al. 2016, Res Synth Methods 7:55) on the study effects the main model
pooled; this module only chooses the tests and formats the rows. The ``meta`` job keeps the fits
beside its result (:mod:`trialsynth.meta.estimator_file`), so the report reads them and loads
neither the engine nor SciPy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trialsynth.formatting import format_number, format_percent
from trialsynth.meta.estimator_file import estimator_rows, report_tests
from trialsynth.meta.result import MetaResult

ESTIMATOR_NAMES = {
    "REML": "restricted maximum likelihood",
    "DL": "DerSimonian-Laird",
    "PM": "Paule-Mandel",
    "ML": "maximum likelihood",
}
MIN_K = 3


def estimator_table(
    result: MetaResult,
    settings: Mapping[str, Any],
    fitted: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, str]]:
    """One row per estimator and test: estimate [CI], tau^2 and I^2 (reporting scale).

    Parameters
    ----------
    result
        The main model (its ``yi``/``vi`` are the pooled study effects).
    settings
        The protocol's ``meta`` settings (``test``, ``pi``, ``level``).
    fitted
        The rows the ``meta`` job kept for these effects and settings
        (:func:`trialsynth.meta.estimator_file.read_estimators`); fitted here when ``None``.
    """
    tests, level, pi = table_settings(settings)
    fits = fitted if fitted is not None else estimator_rows(result.yi, result.vi, tests, level, pi)
    shown = result.effect_measure()
    rows = []
    for row in fits:
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


def table_settings(settings: Mapping[str, Any]) -> tuple[tuple[str, ...], float, str]:
    """The tests, confidence level and prediction interval of the table, from the protocol's
    ``meta`` settings."""
    test = str(settings.get("test", "adhoc"))
    return report_tests(test), float(settings.get("level", 95)), str(settings.get("pi", "hts"))
