"""The shipped protocol is valid; invalid protocols name the key and the allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trialsynth.errors import ProtocolError
from trialsynth.protocol import load_protocol

REPO = Path(__file__).resolve().parents[3]
PROTOCOL = REPO / "analysis" / "protocol.yaml"


def test_shipped_protocol_is_valid() -> None:
    protocol = load_protocol(PROTOCOL)
    assert protocol["meta"] == {
        "method": "REML",
        "test": "adhoc",
        "pi": "hts",
        "level": 95,
        "zero_cells": {"add": 0.5, "to": "only0", "drop00": False},
    }


def _write(tmp_path: Path, change) -> Path:
    doc = yaml.safe_load(PROTOCOL.read_text())
    change(doc)
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_bad_enum_names_key_and_allowed_values(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["meta"].update(method="SJ"))
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    assert info.value.record == "key meta.method"
    assert "REML" in str(info.value)


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: d["meta"].update(estimator="REML"))
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    assert "estimator" in str(info.value)
    assert "allowed keys here" in str(info.value)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("review:\n  id: x\n  title: [unclosed\n")
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    assert info.value.record is not None and info.value.record.startswith("line ")


def test_libyaml_reads_every_shipped_review_file_as_the_python_loader_does() -> None:
    import yaml

    from trialsynth.protocol import FAST_LOADER, load_yaml

    root = Path(__file__).resolve().parents[3]
    files = sorted([*root.glob("analysis/*.yaml"), *root.glob("examples/*/*.yaml")])
    assert len(files) >= 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        expected = yaml.safe_load(text)
        assert load_yaml(path) == expected
        if FAST_LOADER is not None:
            assert yaml.load(text, Loader=FAST_LOADER) == expected
