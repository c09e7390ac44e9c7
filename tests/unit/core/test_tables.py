"""Table validation names the row and column; writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trialsynth.errors import InputError, SchemaError
from trialsynth.tables import (
    atomic_path,
    frame_records,
    load_schema,
    read_table,
    validate_table,
    write_json_atomic,
    write_table,
)

SPEC = {
    "type": "object",
    "additionalProperties": False,
    "required": ["nct_id", "n"],
    "properties": {
        "nct_id": {"type": "string", "pattern": "^NCT[0-9]{8}$"},
        "n": {"type": "integer", "minimum": 0},
        "arm": {"type": ["string", "null"], "enum": ["experimental", "control"]},
    },
}


def test_valid_table_passes() -> None:
    df = pd.DataFrame({"nct_id": ["NCT02417064"], "n": [114], "arm": ["control"]})
    validate_table(df, SPEC)


@pytest.mark.parametrize(
    ("frame", "message", "record"),
    [
        ({"nct_id": ["NCT02417064", "NCT123"], "n": [1, 2]}, "does not match", "row 3"),
        ({"nct_id": ["NCT02417064", "NCT02418585"], "n": [1, -2]}, "is below 0", "row 3"),
        ({"nct_id": ["NCT02417064"], "n": [1.5]}, "is not an integer", "row 2"),
        ({"nct_id": ["NCT02417064"], "n": ["x"]}, "is not an integer", "row 2"),
        ({"nct_id": ["NCT02417064"], "n": [1], "arm": ["active"]}, "is not one of", "row 2"),
        ({"nct_id": [None], "n": [1]}, "is empty", "row 2"),
    ],
)
def test_errors_name_row_and_column(frame: dict, message: str, record: str) -> None:
    with pytest.raises(SchemaError) as info:
        validate_table(pd.DataFrame(frame), SPEC, path="trials.csv")
    assert message in str(info.value)
    assert info.value.record == record
    assert info.value.path == "trials.csv"


def test_missing_and_extra_columns() -> None:
    with pytest.raises(SchemaError, match=r"missing required column\(s\) n\b"):
        validate_table(pd.DataFrame({"nct_id": ["NCT02417064"]}), SPEC)
    with pytest.raises(SchemaError, match=r"unexpected column\(s\) \['extra'\]"):
        validate_table(pd.DataFrame({"nct_id": ["NCT02417064"], "n": [1], "extra": [1]}), SPEC)


def test_atomic_path_keeps_old_file_on_failure(tmp_path) -> None:
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half written")
        raise RuntimeError("stage failed")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_write_then_read_round_trip(tmp_path, monkeypatch) -> None:
    schema_dir = tmp_path / "schemas"
    schema_dir.mkdir()
    (schema_dir / "demo.schema.json").write_text(__import__("json").dumps(SPEC))
    monkeypatch.setenv("TRIALSYNTH_SCHEMA_DIR", str(schema_dir))
    df = pd.DataFrame({"n": [3, 4], "nct_id": ["NCT02417064", "NCT02418585"]})
    out = tmp_path / "out.csv"
    write_table(df, out, "demo")
    assert out.read_text() == "nct_id,n\nNCT02417064,3\nNCT02418585,4\n"
    back = read_table(out, "demo")
    assert list(back["n"]) == [3, 4]
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "absent.csv")


def test_text_in_a_number_column_names_row_and_column(tmp_path, monkeypatch) -> None:
    schema_dir = tmp_path / "schemas"
    schema_dir.mkdir()
    (schema_dir / "demo.schema.json").write_text(__import__("json").dumps(SPEC))
    monkeypatch.setenv("TRIALSYNTH_SCHEMA_DIR", str(schema_dir))
    path = tmp_path / "bad.csv"
    path.write_text("nct_id,n\nNCT02417064,3\nNCT02418585,many\n")
    with pytest.raises(SchemaError) as info:
        read_table(path, "demo")
    assert info.value.record == "row 3"
    assert "'n'" in str(info.value)


def test_atomic_writes_are_not_private_files(tmp_path) -> None:
    target = tmp_path / "t.csv"
    with atomic_path(target) as tmp:
        tmp.write_text("x\n")
    assert target.stat().st_mode & 0o044  # readable by group/others under a usual umask


def test_every_shipped_schema_loads_by_name_and_is_valid_json_schema() -> None:
    import jsonschema

    from trialsynth.tables import SCHEMA_FOLDER, schema_source

    folder = Path(__file__).resolve().parents[3] / "src" / "trialsynth" / SCHEMA_FOLDER
    names = sorted(p.name.removesuffix(".schema.json") for p in folder.glob("*.schema.json"))
    assert {"outcome_exclusions", "meta_input", "analysis_input", "prisma"} <= set(names)
    for name in names:
        assert schema_source(name).is_file()
        spec = load_schema(name)
        jsonschema.Draft202012Validator.check_schema(spec)
        assert spec["$id"] == f"{name}.schema.json"


def test_outcome_exclusions_reader_names_the_bad_row(tmp_path) -> None:
    header = "analysis_id,study_id,nct_id,pmid,source_kind,outcome,reason,detail\n"
    good = "a1,NCT01234567,NCT01234567,,ctgov_results;publication,response,no_outcome,none\n"
    path = tmp_path / "outcome_exclusions.csv"
    path.write_text(header + good)
    assert list(read_table(path, "outcome_exclusions")["reason"]) == ["no_outcome"]
    path.write_text(header + good + ",NCT1,NCT1,,publication,response,unusable_record,x\n")
    with pytest.raises(SchemaError) as info:
        read_table(path, "outcome_exclusions")
    assert info.value.record == "row 3"
    assert "'nct_id'" in str(info.value)


def test_unknown_schema_name_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="schema file not found"):
        load_schema("no_such_table")


def test_rewriting_equal_bytes_keeps_the_file_and_its_time(tmp_path) -> None:
    import os

    target = tmp_path / "t.json"
    write_json_atomic(target, {"k": 5, "estimate": 0.25})
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))  # a time no new write could give
    before = target.stat()
    write_json_atomic(target, {"estimate": 0.25, "k": 5})  # same bytes (keys are sorted)
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, 1_000_000_000)
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]  # no temporary file left
    write_json_atomic(target, {"estimate": 0.26, "k": 5})
    assert target.stat().st_mtime_ns != 1_000_000_000
    assert '"estimate": 0.26' in target.read_text()


def test_frame_records_equals_to_dict_records(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "s": pd.array(["a", None, "c"], dtype="string"),
            "i": pd.array([1, None, 3], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "f": [1.5, float("nan"), -0.0],
            "n": [1, 2, 3],
            "o": ["x", None, 2],
        }
    )
    expected = frame.to_dict("records")
    got = frame_records(frame)
    assert [[type(v) for v in r.values()] for r in got] == [
        [type(v) for v in r.values()] for r in expected
    ]
    assert str(got) == str(expected)
    assert got[1]["s"] is None and got[1]["i"] is None and got[1]["b"] is None
    # missing="": the empty cells of a table read as text (the report's records)
    blank = frame_records(frame[["s"]], missing="")
    assert (
        blank == frame[["s"]].fillna("").to_dict("records") == [{"s": "a"}, {"s": ""}, {"s": "c"}]
    )
    assert frame_records(frame.iloc[:0]) == [] and frame_records(frame[[]]) == [{}, {}, {}]
    table = tmp_path / "t.csv"
    write_table(frame[["s", "i"]], table)
    read = read_table(table)
    assert frame_records(read) == read.to_dict("records")


def test_read_table_reads_only_the_columns_asked_for(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    frame = pd.DataFrame({"nct_id": ["NCT02417064"], "n": [114], "arm": ["control"]})
    write_table(frame, table)
    read = read_table(table, columns=("arm", "nct_id"))
    assert list(read.columns) == ["nct_id", "arm"]  # file order
    assert read.loc[0, "arm"] == "control"
    assert list(read_table(table, columns=("nct_id", "abstract")).columns) == ["nct_id"]
    write_table(frame[["n", "arm"]], table)
    with pytest.raises(InputError, match=r"missing column\(s\) \['nct_id', 'acronym'\]"):
        read_table(table, "trials", columns=("nct_id", "acronym"))  # required by the schema
