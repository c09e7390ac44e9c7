"""``trialsynth code`` end to end on files, folders and pages; overrides; bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from trialsynth.cli import main
from trialsynth.code import Codebook
from trialsynth.code.overrides import load_overrides
from trialsynth.code.schemas import schema_with_values
from trialsynth.code.stage import COLUMNS, arms_frame, coding_frame, run_coding
from trialsynth.errors import InputError, SchemaError
from trialsynth.tables import load_schema, read_table, validate_table

from .conftest import CODEBOOK, RECORDS, real_record

OVERRIDE_HEADER = "nct_id,field,value,reason\n"


def write_page(path: Path, nct_ids: list[str]) -> Path:
    page = {"studies": [real_record(n) for n in nct_ids], "nextPageToken": "x"}
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def test_cli_codes_a_page_and_writes_a_valid_table(tmp_path: Path) -> None:
    page = write_page(tmp_path / "page-0001.json", ["NCT02417064", "NCT02062658"])
    out = tmp_path / "coding.csv"
    status = main(["code", "--ctgov", str(page), "--out", str(out), "--codebook", str(CODEBOOK)])
    assert status == 0
    table = read_table(out, "coding")
    assert list(table.columns) == list(COLUMNS)
    assert list(table["nct_id"]) == ["NCT02062658", "NCT02417064"]
    row = table.set_index("nct_id").loc["NCT02417064"]
    assert (row["drug"], row["route"], row["condition"]) == ("esketamine", "IN", "TRD")
    assert (row["design"], row["comparator"]) == ("RCT", "placebo")
    expected = 'designModule: "studyType=INTERVENTIONAL; allocation=RANDOMIZED"'
    assert row["evidence_design"] == expected


def test_folder_and_single_files_mix_and_manifest_is_ignored(
    tmp_path: Path, codebook: Codebook
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_page(raw / "page-0001.json", ["NCT00749203"])
    page_sha = hashlib.sha256((raw / "page-0001.json").read_bytes()).hexdigest()
    manifest = {"source": "live", "files": {"page-0001.json": page_sha}}
    (raw / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    coded = run_coding([raw, RECORDS / "NCT06795659.json"], codebook, tmp_path / "c.csv")
    assert sorted(coded) == ["NCT00749203", "NCT06795659"]
    assert coded["NCT06795659"].values["psychotherapy_type"] == "exposure"


def test_override_wins_and_is_listed(tmp_path: Path, codebook: Codebook) -> None:
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        OVERRIDE_HEADER + 'NCT05604794,route,MIXED,"IM and SL per the results preprint"\n'
        "NCT05604794,condition,PTSD;MDD;anxiety,reviewer check\n",
        encoding="utf-8",
    )
    out = tmp_path / "coding.csv"
    coded = run_coding([RECORDS / "NCT05604794.json"], codebook, out, overrides)
    study = coded["NCT05604794"]
    assert study.values["route"] == "MIXED"
    assert study.values["condition"] == "MDD;PTSD;anxiety"
    assert study.decided_by == ["condition", "route"]
    row = read_table(out, "coding").iloc[0]
    assert row["decided_by"] == "condition;route"
    assert row["evidence_route"] == 'reviewer override: "IM and SL per the results preprint"'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("NCT05604794,route,TOPICAL,x\n", "not allowed for field 'route'"),
        ("NCT05604794,route,IV,x\nNCT05604794,route,IM,y\n", "overridden twice"),
        ("NCT05604794,colour,IV,x\n", "colour"),
    ],
)
def test_bad_override_names_the_row(
    tmp_path: Path, codebook: Codebook, body: str, message: str
) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(OVERRIDE_HEADER + body, encoding="utf-8")
    with pytest.raises((InputError, SchemaError), match=message):
        load_overrides(path, codebook)


def test_invalid_json_names_file_and_line(tmp_path: Path, codebook: Codebook) -> None:
    bad = tmp_path / "page-0001.json"
    bad.write_text('{"studies": [\n{"protocolSection": ', encoding="utf-8")
    with pytest.raises(InputError, match=r"page-0001\.json: line 2 column .*not valid JSON"):
        run_coding([bad], codebook, tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists()


def test_study_without_nct_id_is_skipped_and_counted(tmp_path: Path, codebook: Codebook) -> None:
    page = {"studies": [real_record("NCT02234011"), {"protocolSection": {}}, "junk"]}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    coded = run_coding([path], codebook, tmp_path / "c.csv")
    assert list(coded) == ["NCT02234011"]


def test_file_of_neither_shape_is_an_error(tmp_path: Path, codebook: Codebook) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match=r"neither a CT\.gov v2 study"):
        run_coding([path], codebook, tmp_path / "c.csv")


def test_missing_path_is_an_error(tmp_path: Path, codebook: Codebook) -> None:
    with pytest.raises(InputError, match="file not found"):
        run_coding([tmp_path / "absent"], codebook, tmp_path / "c.csv")


@pytest.mark.parametrize(
    ("table", "nct_id", "row", "column", "bad"),
    [
        ("coding", "NCT02417064", 0, "drug", "drug_b"),
        ("arms", "NCT03237286", 1, "psychotherapy", "maybe"),
    ],
)
def test_tables_are_checked_against_the_codebook_values(
    tmp_path: Path, codebook: Codebook, table: str, nct_id: str, row: int, column: str, bad: str
) -> None:
    """coding.csv and arms.csv are checked against the values of the codebook's fields: a cell
    outside them fails, although their schema files list no value."""
    arms_out = tmp_path / "arms.csv"
    coded = run_coding(
        [RECORDS / f"{nct_id}.json"], codebook, tmp_path / "c.csv", arms_out=arms_out
    )
    frame = coding_frame(coded) if table == "coding" else arms_frame(coded)
    schema = schema_with_values(table, codebook)
    validate_table(frame, schema)
    frame.loc[row, column] = bad
    with pytest.raises(SchemaError, match=column):
        validate_table(frame, schema, path=tmp_path / f"{table}.csv")


def _value_lists(node: object) -> list[str]:
    """Every string of an ``enum`` or ``const`` and every ``pattern`` in a schema."""
    if isinstance(node, dict):
        found = [str(v) for v in node.get("enum", [])]
        found += [str(node[k]) for k in ("const", "pattern") if k in node]
        return found + [s for v in node.values() for s in _value_lists(v)]
    if isinstance(node, list):
        return [s for v in node for s in _value_lists(v)]
    return []


@pytest.mark.parametrize("name", ["coding", "arms", "coding_overrides", "codebook"])
def test_schema_files_copy_no_value_list(name: str, codebook: Codebook) -> None:
    """The allowed values live in the codebook only: no enum, const or pattern of these schema
    files names a coded value."""
    lists = _value_lists(load_schema(name))
    values = {v for spec in codebook.fields.values() for v in spec.values if len(v) > 2}
    assert [(s, v) for s in lists for v in values if v in s] == []


def test_an_empty_snapshot_gives_header_only_tables(tmp_path: Path, codebook: Codebook) -> None:
    """A search that found nothing (a page with no studies, as parse ctgov reads it) is coded
    as no rows, not as an error; a page whose every study is invalid still is an error."""
    page = tmp_path / "page-0001.json"
    page.write_text('{"studies": []}\n', encoding="utf-8")
    out, arms = tmp_path / "coding.csv", tmp_path / "arms.csv"
    assert run_coding([tmp_path], codebook, out, arms_out=arms) == {}
    assert read_table(out, "coding").empty
    assert out.read_text(encoding="utf-8").startswith("nct_id,")
    assert read_table(arms, "arms").empty
    page.write_text(json.dumps({"studies": [{"protocolSection": {}}]}), encoding="utf-8")
    with pytest.raises(InputError, match="no studies with a valid NCT ID"):
        run_coding([tmp_path], codebook, out)
