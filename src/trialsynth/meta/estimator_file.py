"""The estimator sensitivity of a pooled result, computed by the job that pooled it and kept
beside its result (``<analysis>.estimators.json``), so the report reads its numbers instead of
refitting them.

The report shows, for each analysis, the pooled estimate under the REML, DerSimonian-Laird,
Paule-Mandel and ML estimators with the protocol's test and with the z test
(:func:`trialsynth.meta.sensitivity.estimator_sensitivity`). Those fits need the meta-analysis
engine and SciPy, which the ``meta`` job has already loaded and the ``report`` job would load
only for them (~0.25 s of its start-up, on every refresh). ``trialsynth meta --estimators-out``
writes the rows; the report uses them only when they were fitted to the same study effects
(the sha256 of the result's ``yi`` and ``vi``) with the same tests, level and prediction
interval, and fits them itself otherwise, so the page is the same either way.

A file holds ``{"effects_sha256", "tests", "level", "pi", "rows"}``; ``rows`` are the records
of :func:`~trialsynth.meta.sensitivity.estimator_sensitivity` (NaN as ``null``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialsynth.documents import write_json_atomic
from trialsynth.meta.result import json_number

log = logging.getLogger(__name__)

#: Suffix of the file beside a result ``<analysis>.json``.
SUFFIX = ".estimators.json"


def estimators_path(result_path: Path) -> Path:
    """``<analysis>.estimators.json`` beside the result file ``<analysis>.json``."""
    return result_path.with_name(result_path.stem + SUFFIX)


def effects_digest(yi: Sequence[float], vi: Sequence[float]) -> str:
    """sha256 of the study effects and variances as JSON numbers (what a result file holds)."""
    text = json.dumps([json_number(list(yi)), json_number(list(vi))], separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def report_tests(test: str) -> tuple[str, ...]:
    """The tests the report's table shows: the analysis's test, then the z test."""
    return (test,) if test == "z" else (test, "z")


def estimator_rows(
    yi: Sequence[float], vi: Sequence[float], tests: tuple[str, ...], level: float, pi: str
) -> list[dict[str, Any]]:
    """The rows of :func:`~trialsynth.meta.sensitivity.estimator_sensitivity` (every estimator
    of :data:`~trialsynth.meta.sensitivity.SENSITIVITY_METHODS` x ``tests``) as records."""
    import numpy as np

    from trialsynth.meta.sensitivity import SENSITIVITY_METHODS, estimator_sensitivity

    frame = estimator_sensitivity(
        np.asarray(yi, dtype=float),
        np.asarray(vi, dtype=float),
        methods=SENSITIVITY_METHODS,
        tests=tests,
        level=level,
        pi=pi,
    )
    return frame.to_dict(orient="records")


def write_estimators(
    path: Path, yi: Sequence[float], vi: Sequence[float], test: str, level: float, pi: str
) -> None:
    """Fit and write the estimator sensitivity of the study effects ``yi, vi`` (no rows when
    there are fewer than two studies: nothing to compare)."""
    tests = report_tests(test)
    rows = estimator_rows(yi, vi, tests, level, pi) if len(yi) >= 2 else []
    write_json_atomic(
        path,
        {
            "effects_sha256": effects_digest(yi, vi),
            "tests": list(tests),
            "level": level,
            "pi": pi,
            "rows": json_number(rows),
        },
    )


def read_estimators(
    path: Path, yi: Sequence[float], vi: Sequence[float], test: str, level: float, pi: str
) -> list[dict[str, Any]] | None:
    """The rows kept in ``path`` when they were fitted to ``yi, vi`` with these settings and
    hold every estimator x test; ``None`` when the file is missing, unreadable or was written
    for other effects or settings (the caller fits them)."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tests = report_tests(test)
    if not isinstance(kept, dict) or kept.get("tests") != list(tests):
        return None
    if kept.get("level") != level or kept.get("pi") != pi or not kept.get("rows"):
        return None
    if kept.get("effects_sha256") != effects_digest(yi, vi):
        log.info("%s was written for other study effects; fitting the estimators again", path)
        return None
    numbers = ("estimate", "se", "ci_lb", "ci_ub", "pval", "pi_lb", "pi_ub", "tau2", "I2")
    rows = []
    for row in kept["rows"]:
        values = {key: math.nan if row.get(key) is None else float(row[key]) for key in numbers}
        rows.append(
            {"method": row["method"], "test": row["test"], **values, "converged": row["converged"]}
        )
    return rows
