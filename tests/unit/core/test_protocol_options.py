"""Stage commands read their settings from the protocol (``--protocol``/``--analysis``);
a flag given on the command line overrides the protocol, which overrides the default."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml

from trialsynth.cli import build_parser, main
from trialsynth.protocol_options import (
    ctgov_query_options,
    fill_options,
    pubmed_query_options,
)

REPO = Path(__file__).resolve().parents[3]
PROTOCOL = REPO / "analysis" / "protocol.yaml"
PIPELINE = REPO / "tests" / "reference" / "pipeline"
EXPECTED = json.loads((PIPELINE / "expected.json").read_text())


@pytest.mark.parametrize("analysis_id", sorted(EXPECTED))
def test_meta_from_the_protocol_equals_metafor(analysis_id: str, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    args = ["meta", "--protocol", str(PROTOCOL), "--analysis", analysis_id]
    args += ["--data", str(PIPELINE / f"{analysis_id}.csv"), "--out", str(out)]
    assert main(args) == 0
    result = json.loads(out.read_text())
    reference = EXPECTED[analysis_id]
    protocol = yaml.safe_load(PROTOCOL.read_text())
    spec = next(a for a in protocol["analyses"] if a["id"] == analysis_id)
    assert result["settings"]["measure"] == spec["measure"]
    assert result["settings"]["method"] == protocol["meta"]["method"]
    assert result["k"] == reference["k"]
    for key in ("estimate", "ci_lb", "ci_ub", "tau2", "pi_lb", "pi_ub"):
        assert result[key] == pytest.approx(reference[key], rel=1e-4, abs=1e-8), key


def test_a_flag_beside_the_protocol_overrides_that_setting(tmp_path: Path) -> None:
    analysis_id = "madrs_change_day28"
    out = tmp_path / "result.json"
    args = ["meta", "--protocol", str(PROTOCOL), "--analysis", analysis_id, "--method", "DL"]
    args += ["--data", str(PIPELINE / f"{analysis_id}.csv"), "--out", str(out)]
    assert main(args) == 0
    result = json.loads(out.read_text())
    assert result["settings"]["method"] == "DL"
    assert result["estimate"] != pytest.approx(EXPECTED[analysis_id]["estimate"], rel=1e-6)


def test_unknown_analysis_names_the_protocol_and_the_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(PIPELINE / "response_day28.csv")
    status = main(["meta", "--protocol", str(PROTOCOL), "--analysis", "nope", "--data", data])
    assert status == 2
    err = capsys.readouterr().err
    assert "protocol.yaml: key analyses: no analysis with id 'nope'" in err
    assert "response_day28" in err


def test_measure_is_required_without_a_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    data = str(PIPELINE / "response_day28.csv")
    assert main(["meta", "--data", data]) == 2
    assert "--measure is required" in capsys.readouterr().err
    assert main(["meta", "--analysis", "response_day28", "--data", data]) == 2
    assert "--analysis needs --protocol" in capsys.readouterr().err


def test_forest_title_comes_from_the_protocol(tmp_path: Path) -> None:
    analysis_id = "response_day28"
    result = tmp_path / "result.json"
    data = str(PIPELINE / f"{analysis_id}.csv")
    common = ["--protocol", str(PROTOCOL), "--analysis", analysis_id, "--data", data]
    assert main(["meta", *common, "--out", str(result)]) == 0
    png = tmp_path / "forest.png"
    args = build_parser("figures").parse_args(
        ["figures", "forest", *common, "--result", str(result), "--out", str(png)]
    )
    assert args.func(args) == 0
    protocol = yaml.safe_load(PROTOCOL.read_text())
    assert args.title == next(a for a in protocol["analyses"] if a["id"] == analysis_id)["title"]
    assert png.stat().st_size > 1000
    explicit = build_parser("figures").parse_args(
        [
            "figures",
            "forest",
            *common,
            "--result",
            str(result),
            "--out",
            str(png),
            "--title",
            "Drug A",
        ]
    )
    assert explicit.func(explicit) == 0
    assert explicit.title == "Drug A"


def test_fetch_queries_are_the_protocol_sources() -> None:
    protocol = yaml.safe_load(PROTOCOL.read_text())
    ctgov = ctgov_query_options(protocol)
    assert ctgov["query_intr"] == protocol["sources"]["ctgov"]["query_intr"]
    assert ctgov["fields"] == ",".join(protocol["sources"]["ctgov"]["fields"])
    assert ctgov["page_size"] == protocol["sources"]["ctgov"]["page_size"]
    pubmed = pubmed_query_options(protocol)
    assert pubmed == {k: protocol["sources"]["pubmed"][k] for k in pubmed}


def test_precedence_flag_then_protocol_then_default() -> None:
    args = argparse.Namespace(method="DL", test=None, level=None)
    fill_options(
        args,
        {"method": "REML", "test": "knha", "level": None},
        {"method": "REML", "test": "adhoc", "level": 95.0},
    )
    assert (args.method, args.test, args.level) == ("DL", "knha", 95.0)


def test_fetch_pubmed_needs_a_term(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", "pubmed", "--out", str(tmp_path / "pubmed")]) == 2
    assert "--term is required" in capsys.readouterr().err
    assert not (tmp_path / "pubmed").exists()
