"""Literal gates only skip searches that cannot succeed; parallel coding equals serial coding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialsynth.code import Codebook
from trialsynth.code.codebook import Rule, _patterns
from trialsynth.code.gates import literal_gate, passes
from trialsynth.code.inputs import load_input_studies
from trialsynth.code.stage import code_inputs, coding_frame
from trialsynth.code.texts import sentences, study_text

from .conftest import RECORDS, real_record


def all_rules(codebook: Codebook) -> list[Rule]:
    rules = [*codebook.drug, *codebook.route, *codebook.condition, *codebook.therapy_types]
    rules += [codebook.therapy_unnamed, *codebook.comparator, *codebook.design.values()]
    rules += [codebook.therapy_ignore, codebook.condition_ignore, codebook.comparison_sentence]
    return rules


def real_texts() -> list[str]:
    out: list[str] = []
    for nct_id, item in load_input_studies([RECORDS]).items():
        st = study_text(item.study, nct_id)
        pieces = st.titles + st.conditions + st.keywords + st.summaries + st.inclusion
        pieces += [t for i in st.interventions for t in i.texts]
        pieces += [t for a in st.arms for t in a.texts]
        out += [p.text for p in pieces] + [s.text for p in pieces for s in sentences(p)]
    return out


def test_gate_passes_whenever_the_pattern_matches(codebook: Codebook) -> None:
    texts = real_texts()
    checked = 0
    for rule in all_rules(codebook):
        for gate, pattern in rule.parts:
            for text in texts:
                if pattern.search(text) is not None:
                    checked += 1
                    assert passes(gate, text), (pattern.pattern, text)
                    assert rule.may_match(text)
    assert checked > 1000


def test_gate_literals() -> None:
    assert literal_gate(r"\b(post-?partum|peri-?natal)\b") == {"partum", "natal"}
    assert literal_gate(r"\bplacebos?\b") == {"placebo"}
    assert literal_gate(r"(?-i:\bIV\b)") is None  # too short to gate: always searched
    assert literal_gate(r"\b(oral)?\s*spray") == {"spray"}  # optional parts are not required


@pytest.mark.parametrize(
    "text",
    [
        "a \u017fham injection",  # long s: matches "s"
        "the P\u0130LL arm",  # dotted capital I: lower() is two characters
        "a p\u0131ll arm",  # dotless i: matches "i"
        "MAS\u212a",  # Kelvin sign: matches "k"
    ],
)
def test_texts_with_letters_re_folds_to_ascii_are_searched_ungated(text: str) -> None:
    """Every gate would skip these texts' lower case, yet ``re.IGNORECASE`` matches them."""
    items = [r"\bsham\b", r"\bpill\b", r"\bmask\b", r"\bplacebo\b"]
    rule = _patterns(items, Path("codebook.yaml"), "test")
    expected = rule.pattern.search(text)
    assert expected is not None
    assert passes(literal_gate(expected.group(0)), text)
    assert rule.may_match(text)
    found = rule.search(text)
    assert found is not None and found.span() == expected.span()
    assert [m.span() for m in rule.finditer(text)] == [expected.span()]
    inside = rule.within(text).search(text)
    assert inside is not None and inside.span() == expected.span()


def test_parallel_coding_equals_serial(tmp_path: Path, codebook: Codebook) -> None:
    pages = []
    for n, ids in enumerate((["NCT02417064", "NCT04640636"], ["NCT06559826", "NCT02417064"])):
        page = tmp_path / f"page-{n:04d}.json"
        page.write_text(json.dumps({"studies": [real_record(i) for i in ids]}), encoding="utf-8")
        pages.append(page)
    serial = coding_frame(code_inputs(pages, codebook, jobs=1))
    parallel = coding_frame(code_inputs(pages, codebook, jobs=2))
    assert serial.equals(parallel)
    assert list(serial["nct_id"]) == ["NCT02417064", "NCT04640636", "NCT06559826"]
