"""Literal gates: a cheap necessary condition for a regular expression to match.

Python's ``re`` scans case-insensitive patterns that start with ``\\b`` character by character,
so a codebook of ~200 patterns over long summaries is slow. Each pattern's gate is the set of
its required literals (:mod:`trialsynth.regex_literals`, after Cox 2012): every match contains
at least one of them (e.g. ``\\b(post-?partum|peri-?natal)`` -> ``{"partum", "natal"}``). A
text whose lower-cased form contains none of them is skipped without running the regex; a
pattern with no such literal of :data:`MIN_LITERAL` characters or more is always run, and so is
every pattern on a text holding a non-ASCII character that ``re.IGNORECASE`` folds to an ASCII
letter (``ſ`` matches ``s``, ``ı`` matches ``i``: :func:`places` gives ``None``). The gate never
changes a result, only skips searches that cannot succeed (``tests/unit/code/test_gates.py``
and ``test_gate_equivalence.py`` check this on real and rewritten text).

The literals a text holds are found once per text (:func:`places`: one Aho-Corasick pass over
its lower case finds every literal of the codebook, with its first place), so each gate is a
set test and each search can start near the literal (:class:`trialsynth.code.codebook.Rule`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import ahocorasick_rs

from trialsynth import regex_literals

#: Shortest literal worth gating on (shorter ones occur in almost any text).
MIN_LITERAL = 3

Gate = frozenset[str]


def passes(gate: Gate | None, text: str) -> bool:
    """True when ``gate`` is ``None``, ``text`` is searched ungated, or one of the gate's
    literals occurs in ``text`` (any case), as the coder's rules judge it (:func:`places`)."""
    if gate is None:
        return True
    register(gate)
    found = places(text)
    return found is None or not gate.isdisjoint(found)


@lru_cache(maxsize=4096)
def literal_offsets(pattern: str) -> dict[str, int] | None:
    """The gate literals of ``pattern`` (compiled with ``re.IGNORECASE``), each with the most
    characters a match can hold before it (the largest when a literal is listed twice), or
    ``None`` when the pattern has no usable literal. A match holding a literal that first
    occurs at ``i`` in a text starts at ``i - offset`` or later, so a search can start at the
    smallest such place (:meth:`trialsynth.code.codebook.Rule.search`)."""
    literals = regex_literals.required_literals(pattern, re.IGNORECASE, min_length=MIN_LITERAL)
    if literals is None:
        return None
    offsets: dict[str, int] = {}
    for literal, before in literals:
        offsets[literal] = max(before, offsets.get(literal, 0))
    return offsets


def literal_gate(pattern: str) -> Gate | None:
    """Literals (lower-cased ASCII) of which every match of ``pattern`` (compiled with
    ``re.IGNORECASE``) contains at least one, or ``None`` when the pattern has no usable
    literal."""
    offsets = literal_offsets(pattern)
    return None if offsets is None else frozenset(offsets)


#: Every gate literal of every rule built so far (:func:`register`), in order of registration.
_LITERALS: dict[str, None] = {}
#: The Aho-Corasick automaton over :data:`_LITERALS` (``None``: to be built) and its literals.
_MATCHER: tuple[ahocorasick_rs.AhoCorasick, tuple[str, ...]] | None = None
#: :func:`places` results for the texts of the study being coded (emptied per study,
#: :func:`forget_places`, and when a new literal is registered).
_PLACES: dict[str, dict[str, int] | None] = {}
PLACES_LIMIT = 8192


def register(literals: Iterable[str]) -> None:
    """Add gate literals to those :func:`places` looks for (called for every rule built)."""
    global _MATCHER
    new = [literal for literal in literals if literal not in _LITERALS]
    if new:
        _LITERALS.update(dict.fromkeys(new))
        _MATCHER = None
        _PLACES.clear()


def forget_places() -> None:
    """Forget the remembered :func:`places` (called per study)."""
    _PLACES.clear()


def places(text: str) -> dict[str, int] | None:
    """Where each registered literal first occurs in ``text``'s lower case (literals that do
    not occur are left out), or ``None`` when ``text`` must be searched ungated
    (:func:`trialsynth.regex_literals.lowered`). Remembered for the study being coded.

    One pass of an Aho-Corasick automaton (Aho and Corasick 1975; the ``ahocorasick_rs``
    package) over the text finds every occurrence of every literal, overlapping ones
    included, where testing each literal with ``in`` scans the text once per literal (a
    summary of 2,000 characters took ~0.8 µs per literal, and the codebook has ~300).
    """
    found = _PLACES.get(text, _NOT_YET)
    if found is not _NOT_YET:
        return found  # type: ignore[return-value]
    low = regex_literals.lowered(text)
    if low is None:
        result = None
    else:
        matcher, literals = _matcher()
        # Matches come in order of their end, so a literal's occurrences in order of their
        # start: the reversed assignment keeps each literal's first place.
        hits = matcher.find_matches_as_indexes(low, overlapping=True)
        result = {literals[index]: start for index, start, _ in reversed(hits)}
    if len(_PLACES) >= PLACES_LIMIT:
        _PLACES.clear()
    _PLACES[text] = result
    return result


_NOT_YET: object = object()


def _matcher() -> tuple[ahocorasick_rs.AhoCorasick, tuple[str, ...]]:
    global _MATCHER
    if _MATCHER is None:
        literals = tuple(_LITERALS)
        # No literal: an automaton over one that cannot occur in a lower-cased text.
        _MATCHER = (ahocorasick_rs.AhoCorasick(literals or ("\0",)), literals or ("\0",))
    return _MATCHER
