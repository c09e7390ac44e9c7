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


def literal_gate(pattern: str) -> Gate | None:
    """Literals (lower-cased ASCII) of which every match of ``pattern`` (compiled with
    ``re.IGNORECASE``) contains at least one, or ``None`` when the pattern has no usable
    literal."""
    literals = regex_literals.required_literals(pattern, re.IGNORECASE, min_length=MIN_LITERAL)
    return None if literals is None else frozenset(s for s, _ in literals)
