"""Case-insensitive pattern search with a literal prefilter: the same matches, fewer scans.

Screening searches every study's title, abstract and MeSH terms for the protocol's patterns
(``eligibility.publications``); most of them match nowhere in most texts (non-human terms,
out-of-scope conditions), and Python's ``re`` scans a case-insensitive alternation of
``\\b``-anchored words at some 30 ns a character: at 20,000 articles about 1 s of the stage.

Every match of a regular expression contains one of a set of literal strings that can be read
off its parse tree (the *required literals*; Cox, "Regular Expression Matching with a Trigram
Index, or How Google Code Search Worked", 2012, computes the same from the syntax tree before
searching an index): ``\\brats?\\b|\\bmice\\b`` needs ``rat`` or ``mice``. A text whose lower
case holds none of them cannot match, which ``str.find`` tells far faster than the regex.
When some do occur, the match cannot start before the first occurrence minus the widest text
the pattern can match before that literal, and ``Pattern.search`` starts there (``pos`` keeps
``\\b`` and look-behind seeing the text before it).

The result is always that of ``pattern.search(text)``:

* the literals are lower-cased ASCII; a text holding one of the four non-ASCII characters that
  ``re.IGNORECASE`` equates with ASCII letters (``İ ı ſ K``: U+0130, U+0131, U+017F, U+212A)
  is searched directly, so for every other text "its lower case holds the literal" is implied
  by a match (and ``str.lower`` keeps every position);
* a pattern whose tree the reader does not know (or a Python whose ``re._parser`` differs)
  gets no prefilter and is searched directly.
"""

from __future__ import annotations

import functools
import heapq
import importlib
import logging
import re
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

# The parser of the re module (``re._parser``, Python >= 3.11; typeshed does not describe it).
# Without it every search is direct.
_sre: Any
_sre_parse: Any
try:
    _sre = importlib.import_module("re._constants")
    _sre_parse = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - a Python without re._parser
    _sre = _sre_parse = None

#: Non-ASCII characters that ``re.IGNORECASE`` matches to ASCII letters (İ, ı, ſ, Kelvin K).
_ASCII_FOLDING = re.compile("[\u0130\u0131\u017f\u212a]")

#: Literals that may stand further into a match than this are not tried place by place.
_MAX_BEFORE = 16

#: A required literal and the most characters a match can hold before it.
Literal = tuple[str, int]


def _lowered(text: str) -> str | None:
    """``text.lower()`` when its positions and ASCII letters are those ``re`` folds; else None."""
    if text.isascii():
        return text.lower()
    if _ASCII_FOLDING.search(text):
        return None
    return text.lower()


@functools.lru_cache(maxsize=4)
def _lowered_cached(text: str) -> str | None:
    # the patterns of one study are searched in the same text in turn: lower it once
    return _lowered(text)


def _width(items: Sequence[Any]) -> int:
    """The longest text ``items`` can match (``MAXREPEAT`` when unbounded)."""
    return int(_sre_parse.SubPattern(_sre_parse.State(), list(items)).getwidth()[1])


def _best(candidates: list[list[Literal]]) -> list[Literal] | None:
    """Of several sufficient literal sets, the most selective (longest shortest literal)."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(s) for s, _ in c), -len(c)))


def _sequence(items: Sequence[Any]) -> list[Literal] | None:
    """Required literals of a sequence of parse-tree items: one item's (or literal run's)
    set, offset by the widest text the items before it can match; ``None`` if none is known."""
    candidates: list[list[Literal]] = []
    run: list[str] = []
    run_start = 0
    for index, (op, av) in enumerate([*items, (None, None)]):
        if op is _sre.LITERAL and chr(av).isascii():
            if not run:
                run_start = index
            run.append(chr(av).lower())
            continue
        if run:
            candidates.append([("".join(run), _width(items[:run_start]))])
            run = []
        if op is None:
            break
        inner = _item(op, av)
        if inner:
            before = _width(items[:index])
            candidates.append([(s, offset + before) for s, offset in inner])
    return _best(candidates)


def _item(op: Any, av: Any) -> list[Literal] | None:
    """Required literals of one parse-tree item, relative to where the item starts."""
    if op is _sre.BRANCH:
        union: list[Literal] = []
        for alternative in av[1]:
            literals = _sequence(alternative)
            if not literals:
                return None  # an alternative that needs no known literal
            union.extend(literals)
        return union
    if op is _sre.SUBPATTERN:
        return _sequence(av[-1])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        low, _, body = av
        return _sequence(body) if low >= 1 else None
    if op is _sre.ATOMIC_GROUP:
        return _sequence(av)
    return None  # character sets, anchors, look-arounds, back-references: nothing required


def required_literals(pattern: re.Pattern[str]) -> list[Literal] | None:
    """Literals one of which every match of ``pattern`` holds (lower-case ASCII), each with
    the most characters a match can hold before it; ``None`` when none can be read."""
    if _sre_parse is None:
        return None
    try:
        tree = _sre_parse.parse(pattern.pattern, pattern.flags)
        return _sequence(list(tree))
    except (AttributeError, IndexError, TypeError, ValueError, re.error):
        # a tree shape this reader does not know only costs the prefilter
        log.debug("no literal prefilter for %r", pattern.pattern, exc_info=True)
        return None


class TextSearch:
    """``pattern.search`` behind the literal prefilter of the module docstring.

    Parameters
    ----------
    pattern
        A compiled ``str`` pattern (any flags).
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.literals = required_literals(pattern)
        self.widest = max((before for _, before in self.literals or []), default=0)

    def search(self, text: str) -> re.Match[str] | None:
        """Exactly ``self.pattern.search(text)``."""
        if not self.literals:
            return self.pattern.search(text)
        lowered = _lowered_cached(text)
        if lowered is None:
            return self.pattern.search(text)
        if self.widest > _MAX_BEFORE:
            return self._search_from_first(text, lowered)
        # A match starts at most ``before`` characters ahead of an occurrence of one of its
        # literals: try those places in order, the occurrences found lazily, and stop at the
        # first match (``match`` at a place is what ``search`` tries there).
        # Windows ``(first place, occurrence, before, literal)`` are taken in the order of
        # their first place, so every place is tried once and in order.
        upcoming: list[tuple[int, int, int, str]] = []
        for literal, before in self.literals:
            found = lowered.find(literal)
            if found >= 0:
                upcoming.append((max(found - before, 0), found, before, literal))
        heapq.heapify(upcoming)
        tried = -1  # every place up to this one that a window holds was tried
        while upcoming:
            first, found, before, literal = upcoming[0]
            for place in range(max(first, tried + 1), found + 1):
                match = self.pattern.match(text, place)
                if match is not None:
                    return match
            tried = max(tried, found)
            following = lowered.find(literal, found + 1)
            if following >= 0:
                window = (max(following - before, 0), following, before, literal)
                heapq.heapreplace(upcoming, window)
            else:
                heapq.heappop(upcoming)
        return None

    def _search_from_first(self, text: str, lowered: str) -> re.Match[str] | None:
        """``search`` from the first place a match can start (for literals that may stand
        far into a match)."""
        start = -1
        for literal, before in self.literals or []:
            found = lowered.find(literal)
            if found >= 0:
                bound = max(found - before, 0)
                start = bound if start < 0 else min(start, bound)
        if start < 0:
            return None
        return self.pattern.search(text, start)
