"""Bad CT.gov input: each case gives a clear InputError or a counted, logged, listed skip."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from trialsynth.errors import InputError, SchemaError
from trialsynth.parse.ctgov_pages import DUPLICATE_REASON, iter_ctgov_studies
from trialsynth.parse.ctgov_parse import parse_ctgov, write_trials
from trialsynth.parse.skips import SkipLog
from trialsynth.tables import read_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "ctgov" / "records"


def record(nct_id: str = "NCT02417064") -> dict[str, Any]:
    """A real transcribed record (TRANSFORM-1 unless another NCT ID is named)."""
    return json.loads((FIXTURES / f"{nct_id}.json").read_text(encoding="utf-8"))


def with_update(study: dict[str, Any], date: str | None, title: str) -> dict[str, Any]:
    status = study["protocolSection"].setdefault("statusModule", {})
    if date is None:
        status.pop("lastUpdatePostDateStruct", None)
    else:
        status["lastUpdatePostDateStruct"] = {"date": date, "type": "ACTUAL"}
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    return study


def write_page(raw: Path, number: int, body: object) -> Path:
    raw.mkdir(parents=True, exist_ok=True)
    path = raw / f"page-{number:04d}.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def test_page_that_is_not_json_names_file_line_and_column(tmp_path: Path) -> None:
    first = json.dumps(record(), indent=1)
    second = json.dumps(record("NCT02493868"), indent=1)
    # the comma between the two studies is missing
    page = tmp_path / "page-0001.json"
    page.write_text('{"studies": [\n' + first + "\n" + second + "]}", encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_ctgov(tmp_path)
    message = str(info.value)
    assert "page-0001.json" in message
    assert info.value.record == f"line {first.count(chr(10)) + 3} column 1"
    assert "not valid JSON: Expecting ',' delimiter" in message


def test_non_utf8_bytes_name_file_and_byte_offset(tmp_path: Path) -> None:
    page = write_page(tmp_path, 1, {"studies": [record()]})
    data = page.read_bytes()
    offset = data.index(b"TRANSFORM-1")
    page.write_bytes(data[:offset] + b"\xe9" + data[offset + 1 :])  # Latin-1 e-acute
    with pytest.raises(InputError) as info:
        parse_ctgov(tmp_path)
    assert info.value.path is not None and info.value.path.endswith("page-0001.json")
    assert info.value.record == f"byte {offset}"
    assert "not valid UTF-8" in str(info.value) and "0xe9" in str(info.value)


@pytest.mark.parametrize("body", [[record()], {"study": [record()]}, {"studies": {"x": 1}}])
def test_page_that_is_not_a_studies_body(tmp_path: Path, body: object) -> None:
    write_page(tmp_path, 1, body)
    with pytest.raises(InputError, match=r"page-0001\.json: not a CT\.gov /studies response"):
        parse_ctgov(tmp_path)


def test_missing_folder_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="raw snapshot folder not found"):
        parse_ctgov(tmp_path / "absent")
    with pytest.raises(InputError, match=r"no page-\*\.json files"):
        parse_ctgov(tmp_path)


def test_bad_or_missing_nct_ids_are_skipped_counted_and_listed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = record("NCT02493868")
    bad["protocolSection"]["identificationModule"]["nctId"] = "NCT0249386"  # 7 digits
    missing = record("NCT03434041")
    del missing["protocolSection"]["identificationModule"]["nctId"]
    no_modules: dict[str, Any] = {"hasResults": False}
    write_page(tmp_path, 1, {"studies": [record(), bad, missing, "NCT01234567", no_modules]})
    skips = SkipLog()
    with caplog.at_level(logging.WARNING):
        trials = parse_ctgov(tmp_path, skips)
    assert list(trials["nct_id"]) == ["NCT02417064"]
    assert skips.rows == [
        ("page-0001.json", "studies[1] 'NCT0249386'", "invalid NCT ID (not NCT + 8 digits)"),
        ("page-0001.json", "studies[2]", "missing NCT ID (identificationModule.nctId)"),
        ("page-0001.json", "studies[3]", "study is not a JSON object"),
        ("page-0001.json", "studies[4]", "missing NCT ID (identificationModule.nctId)"),
    ]
    assert skips.counts()["missing NCT ID (identificationModule.nctId)"] == 2
    assert sum("skipped studies[" in r.getMessage() for r in caplog.records) == 4

    target = tmp_path / "out" / "trials_skipped.csv"
    skips.write(target)
    listed = read_table(target, "skipped")
    assert list(listed.columns) == ["source_file", "record", "reason"]
    assert listed["record"].tolist()[0] == "studies[1] 'NCT0249386'"


def test_empty_skipped_list_writes_header_only(tmp_path: Path) -> None:
    target = tmp_path / "skipped.csv"
    SkipLog().write(target)
    assert target.read_text(encoding="utf-8") == "source_file,record,reason\n"


@pytest.mark.parametrize("newer_first", [True, False])
def test_duplicate_keeps_newest_last_update(
    tmp_path: Path, newer_first: bool, caplog: pytest.LogCaptureFixture
) -> None:
    old = with_update(record(), "2019-01-10", "old version")
    new = with_update(record(), "2025-04-29", "new version")
    first, second = (new, old) if newer_first else (old, new)
    write_page(tmp_path, 1, {"studies": [first]})
    write_page(tmp_path, 2, {"studies": [second]})
    skips = SkipLog()
    with caplog.at_level(logging.INFO):
        trials = parse_ctgov(tmp_path, skips)
    assert len(trials) == 1
    row = trials.iloc[0]
    assert row["brief_title"] == "new version"
    assert row["last_update_post_date"] == "2025-04-29"
    assert row["source_file"] == ("page-0001.json" if newer_first else "page-0002.json")
    dropped_page = "page-0002.json" if newer_first else "page-0001.json"
    assert skips.rows == [(dropped_page, "studies[0] NCT02417064", DUPLICATE_REASON)]
    assert "skipped 1 superseded duplicate(s) and 0 invalid record(s)" in caplog.text
    assert "NCT02417064: keeping" in caplog.text
    kept = [study for _, study in iter_ctgov_studies(tmp_path)]
    assert [s["protocolSection"]["identificationModule"]["briefTitle"] for s in kept] == [
        "new version"
    ]


def test_duplicate_tie_or_missing_date(tmp_path: Path) -> None:
    undated = with_update(record(), None, "undated")
    dated = with_update(record(), "2020-01-01", "dated")
    tie = with_update(record(), "2020-01-01", "tie, later page")
    write_page(tmp_path, 1, {"studies": [dated, undated]})
    write_page(tmp_path, 2, {"studies": [tie]})
    skips = SkipLog()
    assert parse_ctgov(tmp_path, skips).iloc[0]["brief_title"] == "tie, later page"
    assert [record for _, record, _ in skips.rows] == [
        "studies[1] NCT02417064",  # undated loses to dated
        "studies[0] NCT02417064",  # page 1's dated record loses the tie to page 2
    ]
    listed = [
        (path.name, s["protocolSection"]["identificationModule"]["briefTitle"])
        for path, s in iter_ctgov_studies(tmp_path, SkipLog())
    ]
    assert listed == [("page-0002.json", "tie, later page")]


def test_iter_ctgov_studies_yields_raw_dicts_with_their_page(tmp_path: Path) -> None:
    write_page(tmp_path, 1, {"studies": [record(), {"protocolSection": {}}]})
    write_page(tmp_path, 2, {"studies": [record("NCT02493868")]})
    skips = SkipLog()
    got = list(iter_ctgov_studies(tmp_path, skips))
    assert [(p.name, s["protocolSection"]["identificationModule"]["nctId"]) for p, s in got] == [
        ("page-0001.json", "NCT02417064"),
        ("page-0002.json", "NCT02493868"),
    ]
    assert "resultsSection" in got[0][1]  # the raw record, results included
    assert len(skips) == 1  # listed once although the pages are read twice


def test_failed_write_leaves_previous_table_untouched(tmp_path: Path) -> None:
    write_page(tmp_path / "raw", 1, {"studies": [record()]})
    target = tmp_path / "trials.csv"
    target.write_text("previous\n", encoding="utf-8")
    trials = parse_ctgov(tmp_path / "raw")
    broken = trials.copy()
    broken.loc[0, "start_date"] = "April 2015"  # not an ISO date: the schema rejects it
    with pytest.raises(SchemaError, match="start_date"):
        write_trials(broken, target)
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    write_trials(trials, target)
    assert read_table(target, "trials")["nct_id"].tolist() == ["NCT02417064"]
    assert pd.isna(read_table(target, "trials")["pmids"].iloc[0])


@pytest.mark.parametrize(
    ("module", "key", "value", "field"),
    [
        ("designModule", "phases", "PHASE3", "designModule.phases"),
        ("armsInterventionsModule", "interventions", ["Esketamine"], "interventions[0]"),
        ("designModule", "enrollmentInfo", {"count": "about 300"}, "enrollmentInfo.count"),
    ],
)
def test_field_of_wrong_json_type_names_file_study_and_field(
    tmp_path: Path, module: str, key: str, value: object, field: str
) -> None:
    study = record()
    study["protocolSection"][module][key] = value
    write_page(tmp_path, 1, {"studies": [study]})
    with pytest.raises(InputError) as info:
        parse_ctgov(tmp_path)
    assert info.value.path is not None and info.value.path.endswith("page-0001.json")
    assert info.value.record == "study NCT02417064"
    assert field in str(info.value)


def test_non_numeric_reference_pmid_is_kept_in_references_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    study = record()
    study["protocolSection"]["referencesModule"] = {
        "references": [
            {"pmid": "31290965", "type": "RESULT", "citation": "Fedgchin M, et al. 2019."},
            {"pmid": "PMC6822141", "type": "RESULT", "citation": "the same, by PMCID"},
        ]
    }
    write_page(tmp_path, 1, {"studies": [study]})
    with caplog.at_level(logging.WARNING):
        row = parse_ctgov(tmp_path).iloc[0]
    assert row["pmids"] == "31290965"
    assert [r["pmid"] for r in json.loads(row["references"])] == ["31290965", "PMC6822141"]
    assert "reference PMID 'PMC6822141' is not numeric" in caplog.text
