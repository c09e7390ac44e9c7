"""Literal gates: a cheap necessary condition for a regular expression to match.

Python's ``re`` scans case-insensitive patterns that start with ``\\b`` character by character,
so a codebook of ~200 patterns over long summaries is slow. For each pattern we derive from its
parse tree a set of literal strings of which at least one must occur in any match (e.g.
``\\b(post-?partum|peri-?natal)`` -> ``{"partum", "natal"}`` -> the longer-minimum choice). A
text whose lower-cased form contains none of them is skipped without running the regex; a
pattern with no such literal is always run. The gate never changes a result, only skips
searches that cannot succeed (``tests/unit/code/test_gates.py`` checks this on real text).

The parse tree comes from ``re._parser``, the parser behind ``re.compile`` (Python >= 3.11).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

try:  # Python >= 3.11
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons: no gates, every pattern runs
    _c = None
    _sre_parse = None

#: Shortest literal worth gating on (shorter ones occur in almost any text).
MIN_LITERAL = 3

Gate = frozenset[str]


@lru_cache(maxsize=8192)
def lowered(text: str) -> str:
    """``text.lower()``, cached: the same field text is tested by many rules."""
    return text.lower()


def passes(gate: Gate | None, text: str) -> bool:
    """True when ``gate`` is ``None`` or one of its literals occurs in ``text`` (any case)."""
    if gate is None:
        return True
    low = lowered(text)
    return any(literal in low for literal in gate)


def literal_gate(pattern: str) -> Gate | None:
    """Literals (lower-cased) of which every match of ``pattern`` contains at least one, or
    ``None`` when the pattern has no usable literal."""
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError, ValueError):
        return None
    return _sequence(list(parsed))


def _strength(gate: Gate) -> int:
    return min(len(s) for s in gate)


def _sequence(items: list[tuple[Any, Any]]) -> Gate | None:
    """Best required gate of a sequence of parse items (all of them must match)."""
    candidates: list[Gate] = []
    run: list[str] = []

    def close_run() -> None:
        if len(run) >= MIN_LITERAL:
            candidates.append(frozenset({"".join(run).lower()}))
        run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        close_run()
        found = _item(op, av)
        if found is not None:
            candidates.append(found)
    close_run()
    strong = [g for g in candidates if _strength(g) >= MIN_LITERAL]
    return max(strong, key=_strength) if strong else None


def _item(op: Any, av: Any) -> Gate | None:
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is _c.BRANCH:
        parts = [_sequence(list(branch)) for branch in av[1]]
        if any(p is None for p in parts):
            return None
        return frozenset(s for p in parts if p is not None for s in p)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
        return _sequence(list(av[2]))
    return None
