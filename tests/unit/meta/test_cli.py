"""``trialsynth meta`` command line: JSON on stdout, --out file, readable summary, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialsynth.cli import main

CASE = Path(__file__).parents[2] / "reference" / "metafor" / "bcg_rr_reml"


def test_json_output_matches_metafor(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "res.json"
    status = main(
        [
            "meta",
            "--data",
            str(CASE / "data.csv"),
            "--measure",
            "RR",
            "--method",
            "REML",
            "--test",
            "z",
            "--by",
            "group",
            "--json",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    printed = json.loads(capsys.readouterr().out)
    expected = json.loads((CASE / "case.json").read_text())["expected"]
    assert printed["estimate"] == pytest.approx(expected["estimate"], rel=1e-6)
    assert printed["Q_between"] == pytest.approx(expected["Q_between"], rel=1e-6)
    assert printed["pi_lb"] == pytest.approx(expected["pi_hts_lb"], rel=1e-6)
    assert json.loads(out.read_text()) == printed


def test_summary_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["meta", "--data", str(CASE / "data.csv"), "--measure", "RR"]) == 0
    text = capsys.readouterr().out
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "Q(df = 12) = 152.2330" in text


def test_bad_file_gives_exit_status_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study,yi,vi\nA,0.1,0.01\nB,0.2,-1\n")
    assert main(["meta", "--data", str(bad), "--measure", "GEN"]) == 2


def test_empty_table_is_an_error_unless_allowed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("study,ai,bi,ci,di\n")
    assert main(["meta", "--data", str(empty), "--measure", "RR", "--json"]) == 2
    out = tmp_path / "res.json"
    status = main(
        ["meta", "--data", str(empty), "--measure", "RR", "--allow-empty", "--out", str(out)]
    )
    assert status == 0
    result = json.loads(out.read_text())
    assert result["k"] == 0
    assert result["settings"]["measure"] == "RR"
    assert "no studies" in result["warnings"][0]
    assert "k = 0" in capsys.readouterr().out


def test_predict_transform_choices_are_the_prediction_modules() -> None:
    from trialsynth.meta.cli import PREDICT_TRANSFORMS
    from trialsynth.meta.predict import TRANSFORMS

    assert tuple(TRANSFORMS) == PREDICT_TRANSFORMS
