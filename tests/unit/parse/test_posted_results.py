"""``ctgov_posted_results.jsonl``: what ``trialsynth parse ctgov --posted-results`` keeps of each
study, in which order, and how a damaged file is reported."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from trialsynth.cli import main
from trialsynth.errors import InputError
from trialsynth.parse.ctgov_pages import iter_ctgov_studies
from trialsynth.parse.ctgov_parse import parse_ctgov, parse_ctgov_snapshot
from trialsynth.parse.posted_results import (
    posted_result_line,
    prune_study,
    read_posted_results,
    write_posted_results,
)

from .test_one_reader import NCT, dated, record, snapshot

OTHER = "NCT02493868"


def test_prune_keeps_the_id_the_acronym_and_the_outcome_measures_only() -> None:
    study = record()
    pruned = prune_study(study)
    identification = study["protocolSection"]["identificationModule"]
    assert pruned == {
        "protocolSection": {
            "identificationModule": {
                "nctId": identification["nctId"],
                "acronym": identification["acronym"],
            }
        },
        "resultsSection": {
            "outcomeMeasuresModule": {
                "outcomeMeasures": study["resultsSection"]["outcomeMeasuresModule"][
                    "outcomeMeasures"
                ]
            }
        },
    }


def test_prune_keeps_absent_fields_absent_and_odd_values_as_received() -> None:
    study = record()
    del study["protocolSection"]["identificationModule"]["acronym"]
    study["resultsSection"] = None
    assert prune_study(study) == {
        "protocolSection": {"identificationModule": {"nctId": NCT}},
        "resultsSection": None,
    }
    assert prune_study({}) == {}


def test_parse_writes_every_kept_study_once_in_the_order_of_the_stages_reader(
    tmp_path: Path,
) -> None:
    with_control = dated(record(OTHER), "2030-01-01")
    measures = with_control["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    measures[0]["title"] = "Response\x07 rate"
    pages: list[list[dict[str, Any]]] = [
        [dated(record(), "2019-01-01"), record(OTHER)],
        [dated(record(), "2025-06-01")],  # supersedes the first copy: listed here, not first
        [with_control],  # newest copy of OTHER, control character removed
    ]
    raw = snapshot(tmp_path / "raw", pages)
    out = tmp_path / "out"
    status = main(
        [
            "parse",
            "ctgov",
            "--raw",
            str(raw),
            "--out",
            str(out / "trials.csv"),
            "--posted-results",
            str(out / "posted.jsonl"),
        ]
    )
    assert status == 0
    written = list(read_posted_results(out / "posted.jsonl"))
    expected = [(path.name, prune_study(study)) for path, study in iter_ctgov_studies(raw)]
    assert written == expected
    assert [name for name, _ in written] == ["page-0002.json", "page-0003.json"]
    title = written[1][1]["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]
    assert title["title"] == "Response rate"
    # the same trials table as before
    assert parse_ctgov_snapshot(raw).trials.equals(parse_ctgov(raw))


def test_an_unchanged_file_keeps_its_time_stamp(tmp_path: Path) -> None:
    target = tmp_path / "posted.jsonl"
    assert write_posted_results([posted_result_line("page-0001.json", record())], target) == 1
    before = target.stat().st_mtime_ns
    write_posted_results([posted_result_line("page-0001.json", copy.deepcopy(record()))], target)
    assert target.stat().st_mtime_ns == before


def test_strings_json_decodes_round_trip_exactly(tmp_path: Path) -> None:
    study = record()
    study["protocolSection"]["identificationModule"]["acronym"] = "Ä\ud800ß\u2028"
    line = posted_result_line("page-0001.json", study)
    write_posted_results([line], tmp_path / "posted.jsonl")
    read = list(read_posted_results(tmp_path / "posted.jsonl"))
    assert read == [("page-0001.json", prune_study(study))]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"source_file": "page-0001.json", "study": {', "not valid JSON"),
        ('["page-0001.json", {}]', "not a posted-results line"),
        ('{"source_file": "page-0001.json", "study": null}', "not a posted-results line"),
    ],
)
def test_a_damaged_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    good = json.dumps({"source_file": "page-0001.json", "study": {}})
    path = tmp_path / "posted.jsonl"
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        list(read_posted_results(path))
    assert "line 2" in str(caught.value)
    assert "trialsynth parse ctgov --posted-results" in str(caught.value)


def test_a_missing_file_names_the_rule_that_writes_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="parse_ctgov"):
        list(read_posted_results(tmp_path / "missing.jsonl"))
