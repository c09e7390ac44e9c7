"""Matches with their evidence: the field path and the matched text, quoted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from trialsynth.code.codebook import Rule, candidates
from trialsynth.code.texts import Text, sentences

#: Longest quoted text in an evidence cell; longer field texts are cut around the match.
QUOTE_CHARS = 100


@dataclass(frozen=True)
class Evidence:
    """Why a value was coded: the field path and the text that matched."""

    path: str
    quote: str

    def render(self) -> str:
        """``path: "quote"`` as written to the ``evidence_<field>`` columns."""
        return f'{self.path}: "{self.quote}"'


def quote(text: str, match: re.Match[str] | None = None) -> str:
    """The whole text when short, else about :data:`QUOTE_CHARS` characters around ``match``."""
    flat = " ".join(text.split())
    if len(flat) <= QUOTE_CHARS or match is None:
        return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 3] + "..."
    flat_start = len(" ".join(text[: match.start()].split()))
    start = max(0, flat_start - QUOTE_CHARS // 3)
    piece = flat[start : start + QUOTE_CHARS]
    return ("..." if start else "") + piece + ("..." if start + QUOTE_CHARS < len(flat) else "")


def evidence_of(text: Text, match: re.Match[str] | None = None) -> Evidence:
    """Evidence for a match in ``text``."""
    return Evidence(text.path, quote(text.text, match))


def first_rule(rules: Iterable[Rule], text: Text) -> tuple[Rule, re.Match[str]] | None:
    """The first rule (codebook order) with a match in ``text``."""
    for rule in rules:
        match = rule.search(text.text)
        if match is not None:
            return rule, match
    return None


def rule_matches(texts: Iterable[Text], rules: tuple[Rule, ...]) -> dict[str, Evidence]:
    """Each rule value matched in ``texts`` with the evidence of its first match (texts in
    order, rules in codebook order within a text)."""
    found: dict[str, Evidence] = {}
    for text in texts:
        for rule in candidates(rules, text.text):
            match = rule.search(text.text)
            if match is not None:
                found.setdefault(rule.value, evidence_of(text, match))
    return found


def any_pattern(rule: Rule | None, text: str) -> bool:
    """True when any pattern of ``rule`` matches ``text`` (``None``: never)."""
    return rule is not None and rule.search(text) is not None


def kept_sentences(
    texts: Iterable[Text],
    ignore: Rule | None,
    require: Rule | None = None,
) -> list[Text]:
    """The sentences of ``texts`` that match none of the ``ignore`` patterns.

    With ``require``, only sentences that match it are returned (texts without a match are not
    even split: a fast path for long summaries that name nothing of interest).
    """
    out: list[Text] = []
    for text in texts:
        # Each sentence is tested only against the patterns the whole text can match (none:
        # the text is skipped).
        required = require.within(text.text) if require is not None else None
        if required is not None and not required.parts:
            continue
        ignored = ignore.within(text.text) if ignore is not None else None
        if ignored is not None and not ignored.parts:
            ignored = None  # nothing in the text can be ignored
        for sentence in sentences(text):
            if required is not None and required.search(sentence.text) is None:
                continue
            if not any_pattern(ignored, sentence.text):
                out.append(sentence)
    return out


def render_all(items: Iterable[Evidence]) -> str | None:
    """Distinct evidence joined with `` | `` (``None`` when there is none)."""
    seen: list[str] = []
    for item in items:
        text = item.render()
        if text not in seen:
            seen.append(text)
    return " | ".join(seen) if seen else None
