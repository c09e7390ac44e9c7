"""The outcomes stage reads the posted results ``trialsynth parse ctgov`` kept (one JSON-lines
file) instead of decoding the raw pages again: the same rows, counts and tables."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.errors import InputError
from trialsynth.outcomes.cli import register
from trialsynth.outcomes.ctgov_results import (
    extract_ctgov_outcomes,
    read_ctgov_outcomes,
    study_outcomes,
)
from trialsynth.outcomes.effects import normal_quantile
from trialsynth.outcomes.rules import load_outcome_rules
from trialsynth.outcomes.stage import extract_outcomes
from trialsynth.parse.ctgov_parse import parse_ctgov_snapshot
from trialsynth.parse.posted_results import read_posted_results, write_posted_results
from trialsynth.protocol import load_protocol

from .conftest import CODING, CTGOV, EXTRACTION, PROTOCOL, REPO, SCREENING

SHIPPED_CTGOV = REPO / "data" / "raw" / "ctgov"
SHIPPED_PROTOCOL = REPO / "analysis" / "protocol.yaml"


def _posted(raw: Path, target: Path) -> Path:
    write_posted_results(parse_ctgov_snapshot(raw).posted_results, target)
    return target


def test_the_shipped_snapshot_gives_the_same_rows_from_either_input(tmp_path: Path) -> None:
    rules = load_outcome_rules(load_protocol(SHIPPED_PROTOCOL), SHIPPED_PROTOCOL)
    from_pages = read_ctgov_outcomes(SHIPPED_CTGOV, rules)
    from_file = read_ctgov_outcomes(_posted(SHIPPED_CTGOV, tmp_path / "posted.jsonl"), rules)
    assert from_file == from_pages
    rows, counts = from_file
    assert counts["studies_with_results"] > 0 and len(rows) > 50  # posted results were read


def test_every_table_of_the_stage_is_the_same_from_either_input(tmp_path: Path) -> None:
    posted = _posted(CTGOV, tmp_path / "posted.jsonl")
    from_pages = extract_outcomes(CTGOV, EXTRACTION, PROTOCOL, CODING, SCREENING)
    from_file = extract_outcomes(posted, EXTRACTION, PROTOCOL, CODING, SCREENING)
    pd.testing.assert_frame_equal(from_file.outcomes, from_pages.outcomes)
    pd.testing.assert_frame_equal(from_file.exclusions, from_pages.exclusions)
    assert from_file.analyses.keys() == from_pages.analyses.keys()
    for analysis_id, table in from_pages.analyses.items():
        pd.testing.assert_frame_equal(from_file.analyses[analysis_id], table)
    assert from_file.counts == from_pages.counts
    assert (from_file.outcomes["source_kind"] == "ctgov_results").any()


def _run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="trialsynth")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def _argv(source: list[str], out: Path) -> list[str]:
    return [
        "outcomes",
        *source,
        "--extraction-dir",
        str(EXTRACTION),
        "--protocol",
        str(PROTOCOL),
        "--coding",
        str(CODING),
        "--screening",
        str(SCREENING),
        "--out",
        str(out / "outcomes.csv"),
        "--analyses-dir",
        str(out / "analyses"),
        "--exclusions",
        str(out / "outcome_exclusions.csv"),
    ]


def test_the_command_writes_the_same_files_from_either_input(tmp_path: Path) -> None:
    posted = _posted(CTGOV, tmp_path / "posted.jsonl")
    assert _run_cli(_argv(["--ctgov-raw", str(CTGOV)], tmp_path / "pages")) == 0
    assert _run_cli(_argv(["--posted-results", str(posted)], tmp_path / "file")) == 0
    written = sorted(p.relative_to(tmp_path / "pages") for p in (tmp_path / "pages").rglob("*"))
    assert written == sorted(
        p.relative_to(tmp_path / "file") for p in (tmp_path / "file").rglob("*")
    )
    for name in written:
        if (tmp_path / "pages" / name).is_file():
            assert (tmp_path / "file" / name).read_bytes() == (
                tmp_path / "pages" / name
            ).read_bytes(), name


def test_the_posted_results_must_be_a_jsonl_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\*\.jsonl"):
        _run_cli(_argv(["--posted-results", str(CTGOV / "page-0001.json")], tmp_path))


def test_one_ctgov_input_exactly(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        _run_cli(_argv([], tmp_path))
    with pytest.raises(SystemExit):
        _run_cli(
            _argv(
                ["--ctgov-raw", str(CTGOV), "--posted-results", str(tmp_path / "p.jsonl")], tmp_path
            )
        )


@pytest.mark.parametrize("level", [90.0, 95.0, 99.0, 80.0])
def test_a_levels_quantile_is_scipys_as_a_float(level: float) -> None:
    from scipy.special import ndtri

    p = 0.5 + level / 200  # 80 % is not kept: computed by SciPy
    assert normal_quantile(p) == float(ndtri(p)) and type(normal_quantile(p)) is float


def test_titles_matched_once_give_the_rows_of_matching_each_measure(tmp_path: Path) -> None:
    rules = load_outcome_rules(load_protocol(SHIPPED_PROTOCOL), SHIPPED_PROTOCOL)
    studies = list(read_posted_results(_posted(SHIPPED_CTGOV, tmp_path / "posted.jsonl")))
    each = [row for name, study in studies for row in study_outcomes(name, study, rules).rows]
    titles: dict[str, list[str]] = {}
    kept = [
        row for name, study in studies for row in study_outcomes(name, study, rules, titles).rows
    ]
    assert kept == each and titles  # the memo was used
    assert extract_ctgov_outcomes(iter(studies), rules)[0] == each
