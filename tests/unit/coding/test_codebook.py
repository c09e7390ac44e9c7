"""The codebook: schema, compiled patterns, errors naming the key, and no trial-specific rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialsynth.coding import Codebook, load_codebook
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
