"""The literal gates and search plans never change a coding: coding every shipped record, a
synthetic snapshot's trials and rewritten variants of the records (other case, glued words,
letters ``re.IGNORECASE`` folds to ASCII, texts repeated, sentences broken) with the gates on
equals coding them with every rule searched directly; each rule's search is the leftmost match
of its patterns; the sentence splitter splits as its first, slower pattern did."""

from __future__ import annotations

import copy
import multiprocessing
import random
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from bench_support import synth_snapshot

from trialsynth.code import Codebook, code_study, reuse
from trialsynth.code import codebook as codebook_module
from trialsynth.code.gates import forget_places, places
from trialsynth.code.inputs import load_input_studies
from trialsynth.code.reuse import coded_to_json
from trialsynth.code.texts import _SENTENCE_END, sentences, study_text
from trialsynth.regex_literals import lowered

from .conftest import RECORDS
from .test_gates import all_rules, real_texts

#: The sentence splitter as first written (a look-behind first: tried at every character).
FIRST_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*\-•(\"'])|\n+")

#: Rewrites of a record's texts that move, hide or fold the words the gates look for.
VARIANTS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "swapcase": str.swapcase,
    "glued": lambda text: text.replace(" ", ""),
    "prefixed": lambda text: " ".join(f"x{word}" for word in text.split(" ")),
    "twice": lambda text: f"{text}. {text}",
    "lines": lambda text: text.replace(". ", ".\n").replace(", ", ",\n"),
    "long_s": lambda text: text.replace("s", "\u017f"),
    "kelvin": lambda text: text.replace("K", "\u212a").replace("k", "\u212a"),
    "dotless_i": lambda text: text.replace("i", "\u0131"),
    "dotted_I": lambda text: text.replace("I", "\u0130"),
}


def _rewritten(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` with ``change`` applied to every string under ``protocolSection`` and
    ``resultsSection`` except the NCT ID and the enumerated fields the coder upper-cases."""
    if isinstance(value, dict):
        return {
            key: item
            if key in ("nctId", "studyType", "allocation", "interventionModel", "type")
            else _rewritten(item, change)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rewritten(item, change) for item in value]
    return change(value) if isinstance(value, str) else value


def _studies() -> list[dict[str, Any]]:
    shipped = [item.study for item in load_input_studies([RECORDS]).values()]
    out = list(shipped)
    for change in VARIANTS.values():
        for study in shipped:
            variant = copy.deepcopy(study)
            for section in ("protocolSection", "resultsSection"):
                if section in variant:
                    variant[section] = _rewritten(variant[section], change)
            out.append(variant)
    synthetic, _ = synth_snapshot().make_trials(300, random.Random(7))
    return out + list(synthetic)


def _coded(studies: list[dict[str, Any]], codebook: Codebook) -> list[dict[str, Any]]:
    return [coded_to_json(code_study(study, codebook, with_arms=True)) for study in studies]


def test_gated_coding_equals_ungated_coding(
    codebook: Codebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails if a gate or a search plan ever skips a text (or a start) a rule matches."""
    studies = _studies()
    gated = _coded(studies, codebook)
    # ``places`` giving None is the coder's own path for a text the gates cannot judge:
    # every rule searched from the start of every text, every sentence split and tested.
    monkeypatch.setattr(codebook_module, "places", lambda text: None)
    ungated = _coded(studies, codebook)
    assert len(gated) == 46 * (1 + len(VARIANTS)) + 300
    for before, after in zip(gated, ungated, strict=True):
        assert before == after, before["nct_id"]


def _leftmost(rule: codebook_module.Rule, text: str) -> re.Match[str] | None:
    best: re.Match[str] | None = None
    for _, pattern in rule.parts:
        match = pattern.search(text)
        if match is not None and (best is None or match.start() < best.start()):
            best = match
    return best


def test_rule_search_is_the_leftmost_match_of_its_patterns(codebook: Codebook) -> None:
    texts = real_texts()
    texts += [change(text) for change in VARIANTS.values() for text in texts[::7]]
    matched = 0
    for rule in all_rules(codebook):
        for text in texts:
            expected = _leftmost(rule, text)
            found = rule._search(text)
            if expected is None:
                assert found is None, (rule.value, text)
                continue
            matched += 1
            assert found is not None, (rule.value, text)
            assert (found.span(), found.group(0)) == (expected.span(), expected.group(0))
    assert matched > 1000


def test_sentence_split_equals_the_first_pattern() -> None:
    pieces = []
    for nct_id, item in load_input_studies([RECORDS]).items():
        st = study_text(item.study, nct_id)
        pieces += st.summaries + st.inclusion + st.titles
    rng = random.Random(3)
    alphabet = " \n\t\r.!?Aa0*-•(\"'\u00a0\u2028x"
    strings = [p.text for p in pieces]
    strings += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20000)
    ]
    for text in strings:
        assert FIRST_SENTENCE_END.split(text) == _SENTENCE_END.split(text), repr(text)
    assert sum(len(sentences(p)) for p in pieces) > len(pieces)


def test_places_are_the_first_occurrences_of_every_literal(codebook: Codebook) -> None:
    literals = sorted(
        {lit for rule in all_rules(codebook) for gate, _ in rule.parts if gate for lit in gate}
    )
    texts = real_texts()
    texts += [change(text) for change in VARIANTS.values() for text in texts[::5]]
    texts += ["depressive depression", "a\u00e9\U0001f600 ketamine-ketamine", ""]
    judged = 0
    for text in texts:
        forget_places()
        low = lowered(text)
        found = places(text)
        if low is None:
            assert found is None
            continue
        judged += 1
        expected = {lit: low.find(lit) for lit in literals if lit in low}
        assert found is not None
        assert {lit: at for lit, at in found.items() if lit in literals} == expected, text
    assert judged > 1000


def test_a_spawned_worker_codes_as_this_process_does(codebook: Codebook) -> None:
    """A worker started by spawn (or forkserver) gets the codebook pickled, without the
    literal registry its rules filled here: unpickling registers them again."""
    studies = load_input_studies([RECORDS])
    items = [(RECORDS, "study", nct_id, item.study) for nct_id, item in studies.items()]
    here = [coded_to_json(code_study(item.study, codebook, True)) for item in studies.values()]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=reuse._init_worker, initargs=(codebook, True)
    ) as pool:
        there = [coded_to_json(coded) for coded in pool.submit(reuse._code_chunk, items).result()]
    assert len(there) == 46
    assert there == here
