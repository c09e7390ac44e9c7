"""Literal gates: a cheap necessary condition for a regular expression to match.

Python's ``re`` scans case-insensitive patterns that start with ``\\b`` character by character,
so a codebook of ~200 patterns over long summaries is slow. Each pattern's gate is the set of
its required literals (:mod:`trialsynth.regex_literals`, after Cox 2012): every match contains
at least one of them (e.g. ``\\b(post-?partum|peri-?natal)`` -> ``{"partum", "natal"}``). A
text whose lower-cased form contains none of them is skipped without running the regex; a
pattern with no such literal of :data:`MIN_LITERAL` characters or more is always run, and so is
every pattern on a text holding a non-ASCII character that ``re.IGNORECASE`` folds to an ASCII
letter (``ſ`` matches ``s``, ``ı`` matches ``i``: :func:`lowered` gives ``None``). The gate never
changes a result, only skips searches that cannot succeed (``tests/unit/code/test_gates.py``
checks this on real text).
"""

from __future__ import annotations

import re
from functools import lru_cache

from trialsynth import regex_literals

#: Shortest literal worth gating on (shorter ones occur in almost any text).
MIN_LITERAL = 3

Gate = frozenset[str]


@lru_cache(maxsize=8192)
def lowered(text: str) -> str | None:
    """``text.lower()``, or ``None`` when ``text`` must be searched ungated
    (:func:`trialsynth.regex_literals.lowered`); cached: the same field text is tested by many
    rules."""
    return regex_literals.lowered(text)


def passes(gate: Gate | None, text: str) -> bool:
    """True when ``gate`` is ``None``, ``text`` is searched ungated, or one of the gate's
    literals occurs in ``text`` (any case)."""
    if gate is None:
        return True
    low = lowered(text)
    return low is None or any(literal in low for literal in gate)


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
