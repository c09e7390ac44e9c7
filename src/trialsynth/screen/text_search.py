"""Case-insensitive pattern search with a literal prefilter: the same matches, fewer scans.

Screening searches every study's title, abstract and MeSH terms for the protocol's patterns
(``eligibility.publications``); most of them match nowhere in most texts (non-human terms,
out-of-scope conditions), and Python's ``re`` scans a case-insensitive alternation of
``\\b``-anchored words at some 30 ns a character: at 20,000 articles about 1 s of the stage.

Every match of a regular expression contains one of a set of literal strings, each at most
some characters into the match (:mod:`trialsynth.regex_literals`, after Cox 2012): a text
whose lower case holds none of them cannot match, which ``str.find`` tells far faster than the
regex. When some do occur, the match cannot start before the first occurrence minus the widest
text the pattern can match before that literal, and ``Pattern.search`` starts there (``pos``
keeps ``\\b`` and look-behind seeing the text before it).

The result is always that of ``pattern.search(text)``: a text holding one of the non-ASCII
characters ``re.IGNORECASE`` folds to ASCII letters, and a pattern with no literals read, are
searched directly (:mod:`trialsynth.regex_literals` says why that suffices).
"""

from __future__ import annotations

import functools
import heapq
import re

from trialsynth.regex_literals import lowered as _lowered
from trialsynth.regex_literals import required_literals

#: Literals that may stand further into a match than this are not tried place by place.
_MAX_BEFORE = 16


@functools.lru_cache(maxsize=4)
def _lowered_cached(text: str) -> str | None:
    # the patterns of one study are searched in the same text in turn: lower it once
    return _lowered(text)


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
        # The first occurrence of a literal is looked for only where its window can start
        # before ``known``, a place where a match is known to start (tried in the first window
        # found; ``probed`` holds the places before it that failed there): a literal whose first
        # occurrence lies further in opens windows after it, and the loop below returns the
        # match at ``known`` at the latest. Most texts a pattern matches match in the first
        # window found, so the other literals' finds scan a prefix.
        upcoming: list[tuple[int, int, int, str]] = []
        known, known_match, probed = len(text), None, range(0)
        for literal, before in self.literals:
            found = lowered.find(literal, 0, known + before + len(literal))
            if found < 0:
                continue
            upcoming.append((max(found - before, 0), found, before, literal))
            if known_match is None:
                for place in range(max(found - before, 0), found + 1):
                    known_match = self.pattern.match(text, place)
                    if known_match is not None:
                        known, probed = place, range(max(found - before, 0), place)
                        break
        heapq.heapify(upcoming)
        tried = -1  # every place up to this one that a window holds was tried
        while upcoming:
            first, found, before, literal = upcoming[0]
            for place in range(max(first, tried + 1), found + 1):
                if place == known:
                    return known_match
                if place in probed:
                    continue
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
