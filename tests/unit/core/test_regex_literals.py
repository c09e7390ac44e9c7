"""The required literals read off a pattern's parse tree, and the texts that must be searched
without them (:mod:`trialsynth.regex_literals`)."""

from __future__ import annotations

import re

import pytest

from trialsynth.regex_literals import lowered, required_literals


def test_required_literals_read_off_the_tree() -> None:
    literals = required_literals(re.compile(r"\brats?\b|\bmice\b", re.IGNORECASE))
    assert literals == [("rat", 0), ("mice", 0)]
    assert required_literals(re.compile(r"(?:es|ar)?ketamine", re.IGNORECASE)) == [("ketamine", 2)]
    assert required_literals(re.compile(r"[a-z]+|abc")) is None  # a branch needs no literal
    assert required_literals(re.compile(r"(?:abc)?\d")) is None


def test_a_source_is_read_with_the_flags_given_and_short_literals_can_be_refused() -> None:
    assert required_literals(r"\bIV\b|\bOD\b", re.IGNORECASE) == [("iv", 0), ("od", 0)]
    assert required_literals(r"\bIV\b|\bOD\b", re.IGNORECASE, min_length=3) is None
    # the longer shortest literal wins; a set with a too short literal is not kept
    assert required_literals(r"ab(?:cdef|gh)xyz", min_length=3) == [("xyz", 6)]
    assert required_literals(r"ab(?:cdef|ghij)xy", min_length=3) == [("cdef", 2), ("ghij", 2)]
    assert required_literals(r"[unclosed") is None  # not a pattern: no literals


def test_non_ascii_pattern_letters_are_not_literals() -> None:
    # "é" may match other letters under IGNORECASE folding rules: only ASCII runs are kept
    assert required_literals(r"caf\u00e9ine", re.IGNORECASE) == [("caf", 0)]


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("sham", "\u017fham"), ("pill", "p\u0131ll"), ("pill", "P\u0130LL"), ("mask", "mas\u212a")],
)
def test_texts_with_letters_re_folds_to_ascii_are_not_lowered(pattern: str, text: str) -> None:
    assert re.search(pattern, text, re.IGNORECASE) is not None
    assert lowered(text) is None


def test_other_texts_are_lowered_in_place() -> None:
    for text in ("PLACEBO", "Caf\u00c9 au lait", "\u03a3\u0399\u03a3", ""):
        assert lowered(text) == text.lower()
        assert len(lowered(text) or "") == len(text)
