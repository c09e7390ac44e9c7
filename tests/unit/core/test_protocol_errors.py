"""Issue 8, items 10 and 12: a bad protocol is a one-line error naming the file and the line
or key (invalid regular expression in any pattern key, YAML syntax error, empty file, unknown
key), and a non-UTF-8 extraction sheet names the line of the bad byte."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trialsynth.errors import InputError, ProtocolError
from trialsynth.outcomes.extraction import read_extraction_sheet
from trialsynth.protocol import check_protocol_file, load_protocol, load_yaml

REPO = Path(__file__).resolve().parents[3]
PROTOCOL = REPO / "analysis" / "protocol.yaml"
FIRST_OUTCOME = next(iter(yaml.safe_load(PROTOCOL.read_text())["outcomes"]["definitions"]))


def _write(tmp_path: Path, change) -> Path:
    doc = yaml.safe_load(PROTOCOL.read_text())
    change(doc)
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _one_line(error: Exception) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["analyses"][0].update(match="day (28"), "analyses[0].match"),
        (
            lambda d: d["outcomes"]["definitions"][FIRST_OUTCOME]["include"].append("[a-"),
            f"outcomes.definitions.{FIRST_OUTCOME}.include[",
        ),
        (
            lambda d: d["outcomes"]["definitions"][FIRST_OUTCOME].update(exclude=["*x"]),
            f"outcomes.definitions.{FIRST_OUTCOME}.exclude[0]",
        ),
        (
            lambda d: d["outcomes"]["arm_roles"]["control"].append("(?P<"),
            "outcomes.arm_roles.control[",
        ),
        (lambda d: d["outcomes"].update(percent_units="%)"), "outcomes.percent_units"),
        (
            lambda d: d["eligibility"]["publications"].update(trial_terms=["tri(al"]),
            "eligibility.publications.trial_terms[0]",
        ),
    ],
)
def test_a_bad_regular_expression_in_any_pattern_key_names_the_key(tmp_path, change, key):
    path = _write(tmp_path, change)
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    text = _one_line(info.value)
    assert info.value.record is not None and info.value.record.startswith(f"key {key}")
    assert "invalid regular expression" in text and str(path) in text


def test_a_yaml_syntax_error_names_file_and_line(tmp_path):
    lines = PROTOCOL.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("meta:"))
    lines.insert(at, "meta_broken: [unclosed")
    path = tmp_path / "protocol.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    text = _one_line(info.value)
    assert info.value.record is not None and info.value.record.startswith("line ")
    assert f"opened at line {at + 1}" in text and str(path) in text


def test_an_empty_protocol_names_the_file(tmp_path):
    path = tmp_path / "protocol.yaml"
    for content in ("", "# only a comment\n"):
        path.write_text(content)
        with pytest.raises(ProtocolError, match=r"protocol\.yaml: line 1: the file is empty"):
            load_protocol(path)


def test_an_unknown_top_level_key_is_one_useful_line(tmp_path):
    path = _write(tmp_path, lambda d: d.update(analysis=[]))
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    text = _one_line(info.value)
    assert "'analysis' was unexpected" in text and "'analyses'" in text
    assert len(text) < 400  # the allowed keys, not a schema dump


def test_the_workflow_check_prints_one_line_and_exits(tmp_path, capsys):
    path = tmp_path / "protocol.yaml"
    path.write_text("")
    with pytest.raises(SystemExit) as info:
        check_protocol_file(path)
    assert info.value.code == ProtocolError.exit_code
    assert capsys.readouterr().err == f"error: {path}: line 1: the file is empty (fix: " + (
        "write the protocol's sections (review, sources, eligibility, meta, outcomes, "
        "analyses); the shipped analysis/protocol.yaml is an example)\n"
    )
    check_protocol_file(PROTOCOL)  # a valid protocol passes silently


def test_a_non_utf8_protocol_names_the_line(tmp_path):
    path = tmp_path / "protocol.yaml"
    path.write_bytes(b"review:\n  title: caf\xe9\n")
    with pytest.raises(ProtocolError, match=r"line 2: not valid UTF-8: byte 0xe9"):
        load_yaml(path)


def test_a_non_utf8_extraction_sheet_names_the_line(tmp_path):
    sheet = sorted((REPO / "analysis" / "extraction").glob("*.csv"))[0]
    lines = sheet.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b",", b",\xe9", 1)  # a Latin-1 e-acute on line 5
    bad = tmp_path / sheet.name
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as info:
        read_extraction_sheet(bad)
    text = _one_line(info.value)
    assert "not valid UTF-8: byte 0xe9 at line 5" in text and "save the sheet as UTF-8" in text
