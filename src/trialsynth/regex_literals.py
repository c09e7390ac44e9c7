"""Required literals of a regular expression: strings one of which every match contains.

Every match of a regular expression contains one of a set of literal strings that can be read
off its parse tree (the *required literals*; Cox, "Regular Expression Matching with a Trigram
Index, or How Google Code Search Worked", 2012, computes the same from the syntax tree before
searching an index): ``\\brats?\\b|\\bmice\\b`` needs ``rat`` or ``mice``, and
``\\b(post-?partum|peri-?natal)`` needs ``partum`` or ``natal``. A text whose lower case holds
none of them cannot match, which ``str.find`` tells far faster than the regex. Each literal
comes with the most characters a match can hold before it, so a search can also start near the
first occurrence (:class:`trialsynth.screen.text_search.TextSearch`). The coder
(:mod:`trialsynth.code.gates`) and screening (:mod:`trialsynth.screen.text_search`) both read
their prefilters here.

A prefilter built on these literals never changes a result, provided:

* the literals are lower-cased ASCII, and the text is lowered with :func:`lowered`, which
  returns ``None`` for a text holding one of the four non-ASCII characters that
  ``re.IGNORECASE`` equates with ASCII letters (``İ ı ſ K``: U+0130, U+0131, U+017F, U+212A;
  ``"İ".lower()`` is even two characters long): such a text must be searched directly. For
  every other text "its lower case holds the literal" is implied by a match, and
  ``str.lower`` keeps every position;
* a pattern whose tree the reader does not know (or a Python whose ``re._parser`` differs)
  gets no literals (``None``) and is searched directly.

The parse tree comes from ``re._parser``, the parser behind ``re.compile`` (Python >= 3.11).
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

# The parser of the re module (``re._parser``, Python >= 3.11; typeshed does not describe it).
# Without it no pattern has literals and every search is direct.
_sre: Any
_sre_parse: Any
try:
    _sre = importlib.import_module("re._constants")
    _sre_parse = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - a Python without re._parser
    _sre = _sre_parse = None

#: Non-ASCII characters that ``re.IGNORECASE`` matches to ASCII letters (İ, ı, ſ, Kelvin K).
ASCII_FOLDING = re.compile("[\u0130\u0131\u017f\u212a]")

#: A required literal and the most characters a match can hold before it.
Literal = tuple[str, int]


def lowered(text: str) -> str | None:
    """``text.lower()`` when its positions and ASCII letters are those ``re`` folds; ``None``
    for a text holding a character of :data:`ASCII_FOLDING` (search it directly)."""
    if text.isascii():
        return text.lower()
    if ASCII_FOLDING.search(text):
        return None
    return text.lower()


def required_literals(
    pattern: re.Pattern[str] | str, flags: int = 0, min_length: int = 1
) -> list[Literal] | None:
    """Literals one of which every match of ``pattern`` holds (lower-case ASCII), each with
    the most characters a match can hold before it; ``None`` when none can be read.

    Parameters
    ----------
    pattern
        A compiled ``str`` pattern (its own flags are used), or a pattern's source read with
        ``flags``.
    min_length
        Shortest literal worth keeping: a set holding a shorter one is not used (a literal of
        one or two letters occurs in almost any text).
    """
    if _sre_parse is None:
        return None
    if isinstance(pattern, re.Pattern):
        source, flags = pattern.pattern, pattern.flags
    else:
        source = pattern
    try:
        tree = _sre_parse.parse(source, flags)
        return _Reader(min_length).sequence(list(tree))
    except (AttributeError, IndexError, TypeError, ValueError, RecursionError, re.error):
        # a tree shape this reader does not know only costs the prefilter
        log.debug("no required literals for %r", source, exc_info=True)
        return None


def _width(items: Sequence[Any]) -> int:
    """The longest text ``items`` can match (``MAXREPEAT`` when unbounded)."""
    return int(_sre_parse.SubPattern(_sre_parse.State(), list(items)).getwidth()[1])


class _Reader:
    """The walk over a parse tree, keeping literal sets whose literals all have at least
    ``min_length`` characters."""

    def __init__(self, min_length: int) -> None:
        self.min_length = min_length

    def best(self, candidates: list[list[Literal]]) -> list[Literal] | None:
        """Of several sufficient literal sets, the most selective (longest shortest literal,
        then fewest literals)."""
        kept = [c for c in candidates if min(len(s) for s, _ in c) >= self.min_length]
        if not kept:
            return None
        return max(kept, key=lambda c: (min(len(s) for s, _ in c), -len(c)))

    def sequence(self, items: Sequence[Any]) -> list[Literal] | None:
        """Required literals of a sequence of parse-tree items: one item's (or literal run's)
        set, offset by the widest text the items before it can match; ``None`` if none is
        known."""
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
            inner = self.item(op, av)
            if inner:
                before = _width(items[:index])
                candidates.append([(s, offset + before) for s, offset in inner])
        return self.best(candidates)

    def item(self, op: Any, av: Any) -> list[Literal] | None:
        """Required literals of one parse-tree item, relative to where the item starts."""
        if op is _sre.BRANCH:
            union: list[Literal] = []
            for alternative in av[1]:
                literals = self.sequence(alternative)
                if not literals:
                    return None  # an alternative that needs no known literal
                union.extend(literals)
            return union
        if op is _sre.SUBPATTERN:
            return self.sequence(av[-1])
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _, body = av
            return self.sequence(body) if low >= 1 else None
        if op is _sre.ATOMIC_GROUP:
            return self.sequence(av)
        return None  # character sets, anchors, look-arounds, back-references: nothing required
