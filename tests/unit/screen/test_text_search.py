"""The literal prefilter of screening's pattern search gives exactly ``Pattern.search``."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import pytest
import yaml

from trialsynth.screen.eligibility import PublicationRules
from trialsynth.screen.text_search import TextSearch

REPO = Path(__file__).resolve().parents[3]

#: Patterns of the shapes a protocol writes, with literals at a distance into the match, in
#: branches, behind optional parts, and some with no required literal at all.
PATTERNS = [
    r"\brats?\b|\bmice\b|\bin vitro\b",
    r"\b(?:es|ar|[rs]-?)?ketamine\b|\bspravato\b",
    r"depressi|\bPTSD\b|post-?traumatic stress|\b(?:alcohol|cocaine)\b.{0,30}(?:use|disorder)",
    r"\banaesthe|\banesthe|\b(?:chronic|cancer) pain\b",
    r"obsessive[- ]compulsive|\bOCD\b",
    r"[a-z]{2}ab",  # the literal 2 characters into the match
    r"x{2,5}yz|(?:ab)+c",
    r"(?<=\d )mg\b|\bkg",
    r"^trial|trial$",
    r"\d+ patients?",
    r"(?i:Ab)c|(?-i:DEF)",
    r"(?:foo)?bar|qux*",
    r"a.*zz",  # an unbounded part before the literal
    r"zz|[a-z]{3}ab",  # a later literal whose match starts before an earlier literal
]
WORDS = [
    "rat",
    "rats",
    "Rates",
    "mice",
    "in vitro",
    "KETAMINE",
    "esketamine",
    "r-ketamine",
    "spravato",
    "depression",
    "PTSD",
    "post-traumatic stress",
    "alcohol use",
    "cocaine and",
    "disorder",
    "anaesthesia",
    "chronic pain",
    "cancer  pain",
    "obsessive compulsive",
    "OCD",
    "xxab",
    "xxxyz",
    "ababc",
    "5 mg",
    "kg",
    "trial",
    "12 patients",
    "abc",
    "ABC",
    "DEF",
    "def",
    "foobar",
    "bar",
    "quxxx",
    "a",
    "zz",
    "İ",
    "ı",
    "ſ",
    "\u212a",
    "é",
    "Σ",
    "\n",
    " ",
    "-",
    "—",
]


def _same(expected: re.Match[str] | None, got: re.Match[str] | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return expected.span() == got.span() and expected.group(0) == got.group(0)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_search_equals_the_plain_search(pattern: str) -> None:
    compiled = re.compile(pattern, re.IGNORECASE)
    guarded = TextSearch(compiled)
    generator = random.Random(pattern)
    for _ in range(3000):
        text = "".join(
            generator.choice(WORDS) + generator.choice(["", " ", ", ", "x", "1 "])
            for _ in range(generator.randint(0, 12))
        )
        assert _same(compiled.search(text), guarded.search(text)), (pattern, text)


def test_the_shipped_protocols_patterns_have_prefilters_and_keep_their_matches() -> None:
    protocol = yaml.safe_load((REPO / "analysis/protocol.yaml").read_text(encoding="utf-8"))
    rules = PublicationRules.from_protocol(protocol["eligibility"]["publications"])
    text = "Esketamine in Rats: a Randomised, placebo-controlled trial in PTSD; in vitro assay."
    for name in ("trial_terms", "drug_terms", "condition_terms", "non_human_terms"):
        search = getattr(rules, name)
        assert search.literals, name  # the prefilter applies
        assert _same(search.pattern.search(text), search.search(text)), name
        assert search.search(text) is not None, name


def test_the_leftmost_match_wins_over_the_first_literal_found() -> None:
    compiled = re.compile(r"zz|[a-z]{3}ab")
    assert (
        TextSearch(compiled).search("qqzzab").span()
        == compiled.search("qqzzab").span()
        == (
            1,
            6,
        )
    )


def test_a_text_with_letters_re_folds_to_ascii_is_searched_directly() -> None:
    compiled = re.compile(r"\bmask\b", re.IGNORECASE)
    guarded = TextSearch(compiled)
    for text in ("MA\u017fK", "ma\u212a\u212a mask", "ma\u017fk"):
        assert _same(compiled.search(text), guarded.search(text)), text
    assert guarded.search("ma\u017fk") is not None  # long s matches s, as in re


def test_real_publication_texts_give_the_plain_search_for_every_protocol_pattern() -> None:
    """Real titles, abstracts and MeSH terms (the link fixture's PubMed records, as screening
    joins them), whole and cut at every 97th character so that a match moves against the other
    literals' first occurrences: the bounded finds and the probed first window give exactly
    ``Pattern.search``."""
    protocol = yaml.safe_load((REPO / "analysis/protocol.yaml").read_text(encoding="utf-8"))
    rules = PublicationRules.from_protocol(protocol["eligibility"]["publications"])
    with (REPO / "tests/fixtures/link/articles.csv").open(encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))
    texts = ["\n".join(r[c] for c in ("title", "abstract", "mesh_terms")) for r in records]
    cuts = [text[start:] for text in texts for start in range(0, len(text), 97)]
    assert len(texts) > 20
    names = ["trial_terms", "drug_terms", "condition_terms", "out_of_scope_terms"]
    names += ["non_human_terms", "human_terms"]
    matched = 0
    for name in names:
        search = getattr(rules, name)
        for text in texts + cuts:
            expected = search.pattern.search(text)
            assert _same(expected, search.search(text)), (name, text[:80])
            matched += expected is not None
    assert matched > len(texts)
