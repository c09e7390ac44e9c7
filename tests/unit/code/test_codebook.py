"""The codebook: schema, compiled patterns, errors naming the key, and no trial-specific rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialsynth.code import Codebook, load_codebook
from trialsynth.errors import ProtocolError

from .conftest import CODEBOOK


def test_shipped_codebook_compiles_every_field(codebook: Codebook) -> None:
    assert [r.value for r in codebook.drug] == ["esketamine", "arketamine", "ketamine"]
    assert {r.value for r in codebook.route} == {"IV", "IM", "IN", "SL", "ORAL", "SC"}
    assert [r.value for r in codebook.comparator][:3] == ["placebo", "active_placebo", "ECT"]
    assert codebook.route_window == 50


def test_codebook_names_no_trial() -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    assert re.search(r"NCT\s*\d{8}", text, re.IGNORECASE) is None


def test_invalid_pattern_names_its_key(tmp_path: Path) -> None:
    text = CODEBOOK.read_text(encoding="utf-8").replace("'\\bketalar\\b'", "'(ketalar'", 1)
    bad = tmp_path / "codebook.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"key drug\[2\]\.patterns\[1\].*invalid regular"):
        load_codebook(bad)


def test_value_outside_vocabulary_is_rejected(tmp_path: Path) -> None:
    text = CODEBOOK.read_text(encoding="utf-8").replace("value: SC", "value: TOPICAL", 1)
    bad = tmp_path / "codebook.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolError, match="TOPICAL"):
        load_codebook(bad)


def test_missing_codebook_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="not found"):
        load_codebook(tmp_path / "absent.yaml")


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = CODEBOOK.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "codebook.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_fields_come_from_the_codebook(codebook: Codebook) -> None:
    drug = codebook.fields["drug"]
    assert drug.values == ("ketamine", "esketamine", "arketamine", "mixed", "none")
    assert (drug.several, drug.not_stated) == ("mixed", "none")
    assert codebook.fields["psychotherapy"].values == ("yes", "no", "unclear")
    multi = {name for name, spec in codebook.fields.items() if spec.multi_valued}
    assert multi == {"condition", "psychotherapy_type"}
    assert codebook.condition_unspecified == "MDD"
    assert codebook.fields["condition"].normalise(" TRD; PTSD;TRD") == "PTSD;TRD"
    assert codebook.fields["psychotherapy_type"].normalise("CBT;none") is None


def test_rule_value_missing_from_fields_names_its_key(tmp_path: Path) -> None:
    bad = _edited(
        tmp_path,
        "    values: [ketamine, esketamine, arketamine, mixed, none]",
        "    values: [ketamine, esketamine, mixed, none]",
    )
    with pytest.raises(ProtocolError, match=r"key drug\[1\]\.value.*'arketamine'"):
        load_codebook(bad)


def test_value_the_coder_writes_must_be_listed(tmp_path: Path) -> None:
    bad = _edited(tmp_path, "values: ['yes', 'no', 'unclear']", "values: ['yes', 'no']")
    with pytest.raises(ProtocolError, match=r"fields.psychotherapy does not list \['unclear'\]"):
        load_codebook(bad)


def test_role_value_must_be_a_value(tmp_path: Path) -> None:
    bad = _edited(tmp_path, "    several: mixed\n", "    several: several_drugs\n")
    with pytest.raises(ProtocolError, match="several_drugs"):
        load_codebook(bad)
