"""The estimator sensitivity the ``meta`` job keeps beside its result gives the report the same
table as fitting it in the report, and is used only for the effects and settings it was fitted
to."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.cli import main
from trialsynth.meta.estimator_file import (
    estimator_rows,
    estimators_path,
    read_estimators,
    write_estimators,
)
from trialsynth.meta.fit import fit_meta
from trialsynth.meta.result import load_result
from trialsynth.report.estimators import estimator_table, table_settings

METAFOR = Path(__file__).parents[2] / "reference" / "metafor"
SETTINGS = {"test": "adhoc", "pi": "hts", "level": 95}


def _result_files(tmp_path: Path, case: str = "bcg_rr_dl", *extra: str) -> Path:
    out = tmp_path / "analysis.json"
    args = ["-q", "meta", "--data", str(METAFOR / case / "data.csv"), "--measure", "RR"]
    args += ["--out", str(out), "--estimators-out", str(estimators_path(out)), *extra]
    assert main(args) == 0
    return out


def test_the_kept_rows_give_the_table_the_report_fits(tmp_path: Path) -> None:
    out = _result_files(tmp_path)
    result = load_result(out)
    tests, level, pi = table_settings(SETTINGS)
    kept = read_estimators(estimators_path(out), result.yi, result.vi, tests[0], level, pi)
    assert kept is not None and len(kept) == 8
    fitted = estimator_rows(result.yi, result.vi, tests, level, pi)
    for a, b in zip(kept, fitted, strict=True):
        assert a.keys() == b.keys()
        for key, value in a.items():
            same = value == b[key] or (math.isnan(value) and math.isnan(b[key]))
            assert same and type(value) is type(b[key]), key
    assert estimator_table(result, SETTINGS, kept) == estimator_table(result, SETTINGS)


def test_rows_fitted_to_other_effects_or_settings_are_not_used(tmp_path: Path) -> None:
    out = _result_files(tmp_path)
    result = load_result(out)
    path = estimators_path(out)
    assert read_estimators(path, result.yi, result.vi, "adhoc", 95.0, "hts") is not None
    moved = [*result.yi[:-1], result.yi[-1] + 1e-12]
    assert read_estimators(path, moved, result.vi, "adhoc", 95.0, "hts") is None
    assert read_estimators(path, result.yi, result.vi, "knha", 95.0, "hts") is None
    assert read_estimators(path, result.yi, result.vi, "adhoc", 90.0, "hts") is None
    assert read_estimators(path, result.yi, result.vi, "adhoc", 95.0, "normal") is None
    assert (
        read_estimators(tmp_path / "missing.json", result.yi, result.vi, "adhoc", 95.0, "hts")
        is None
    )
    path.write_text("{not json")
    assert read_estimators(path, result.yi, result.vi, "adhoc", 95.0, "hts") is None


def test_a_model_with_moderators_keeps_no_rows(tmp_path: Path) -> None:
    out = _result_files(tmp_path, "bcg_rr_reml", "--mods", "group")
    kept = json.loads(estimators_path(out).read_text())
    assert kept["rows"] == [] and kept["tests"] == ["adhoc", "z"]


def test_non_converged_rows_keep_nan(tmp_path: Path) -> None:
    path = tmp_path / "x.estimators.json"
    yi, vi = [0.1, 0.2, 0.3], [0.01, 0.02, 0.03]
    write_estimators(path, yi, vi, "z", 95.0, "hts")
    kept = json.loads(path.read_text())
    assert kept["tests"] == ["z"] and len(kept["rows"]) == 4
    kept["rows"][0]["estimate"] = None  # as a row whose search did not converge is written
    kept["rows"][0]["converged"] = False
    path.write_text(json.dumps(kept))
    rows = read_estimators(path, yi, vi, "z", 95.0, "hts")
    assert rows is not None and math.isnan(rows[0]["estimate"]) and rows[0]["converged"] is False


def test_the_report_reads_kept_rows_without_the_engine_or_scipy() -> None:
    data = pd.read_csv(METAFOR / "bcg_rr_dl" / "data.csv")
    result = fit_meta(data, "RR")
    tests, level, pi = table_settings(SETTINGS)
    rows = json.dumps(estimator_rows(result.yi, result.vi, tests, level, pi))
    probe = (
        "import json, sys\n"
        "import trialsynth.report.cli\n"
        "from trialsynth.meta.result import MetaResult\n"
        "from trialsynth.report.estimators import estimator_table\n"
        "from trialsynth.report.findings import small_k_note\n"
        f"result = MetaResult.from_dict(json.loads({json.dumps(result.to_dict())!r}))\n"
        f"rows = json.loads({rows!r})\n"
        f"estimator_table(result, {SETTINGS!r}, rows)\n"
        "two = MetaResult.from_dict({'k': 2, 'settings': {'measure': 'RR', 'test': 'knha', "
        "'level': 95.0}})\n"
        "assert 'degree of freedom' in small_k_note(two)\n"
        "print(sorted(m for m in ('scipy', 'trialsynth.meta.batch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("test", ["adhoc", "z"])
def test_the_tests_of_the_table(test: str) -> None:
    assert table_settings({"test": test})[0] == ((test, "z") if test != "z" else ("z",))
