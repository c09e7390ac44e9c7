"""The per-study memos (drug of a set of texts, sentence splits, searches) never change a
coding: coding with them equals coding with memos that remember nothing, on every shipped
record, and texts with the same words under other paths keep their own evidence."""

from __future__ import annotations

from typing import Any

import pytest

from trialsynth.code import Codebook, code_study, drug_route, texts
from trialsynth.code import codebook as codebook_module
from trialsynth.code.drug_route import clear_drug_memo, drug_of
from trialsynth.code.inputs import load_input_studies
from trialsynth.code.texts import Text, clear_sentence_memo, sentences

from .conftest import RECORDS


class Forgetful(dict):  # type: ignore[type-arg]
    """A memo that remembers nothing: every lookup misses, so every result is computed."""

    def __setitem__(self, key: Any, value: Any) -> None:
        return None


def _coded(codebook: Codebook) -> dict[str, Any]:
    studies = load_input_studies([RECORDS])
    return {nct_id: code_study(item.study, codebook, True) for nct_id, item in studies.items()}


def test_memos_never_change_a_coding(codebook: Codebook, monkeypatch: pytest.MonkeyPatch) -> None:
    remembered = _coded(codebook)
    monkeypatch.setattr(drug_route, "_DRUG_MEMO", Forgetful())
    monkeypatch.setattr(texts, "_SENTENCE_MEMO", Forgetful())
    monkeypatch.setattr(codebook_module, "_SEARCH_MEMO", Forgetful())
    computed = _coded(codebook)
    assert len(computed) == 46
    assert remembered == computed


def test_same_words_under_another_path_keep_their_evidence(codebook: Codebook) -> None:
    clear_drug_memo()
    first = drug_of([Text("interventions[0].name", "Ketamine infusion")], codebook)
    second = drug_of([Text("armGroups[1].label", "Ketamine infusion")], codebook)
    assert first is not None and second is not None
    assert first[0] == second[0] == "ketamine"
    assert first[1].path == "interventions[0].name"
    assert second[1].path == "armGroups[1].label"
    assert drug_of([Text("x", "saline")], codebook) is None
    assert drug_of([], codebook) is None


def test_sentence_memo_keeps_paths_and_returns_fresh_lists() -> None:
    clear_sentence_memo()
    words = "Drug A is given. Then B follows!\n\nEnd"
    one = sentences(Text("a", words))
    one.append(Text("a", "appended by a caller"))
    again = sentences(Text("a", words))
    other = sentences(Text("b", words))
    assert [s.text for s in again] == ["Drug A is given.", "Then B follows!", "End"]
    assert {s.path for s in again} == {"a"}
    assert {s.path for s in other} == {"b"}
    assert sentences(Text("a", "   ")) == []
    assert sentences(Text("a", "")) == []
