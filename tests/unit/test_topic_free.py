"""The package names no topic of a review: the first review's vocabulary lives in analysis/.

The word list is built from ``analysis/codebook.yaml`` (the values of the topic fields and the
literal words of the patterns behind them) plus a fixed list of drug and condition names, so a
name added to the codebook is searched for too. Lower-case words match at a word start, case
insensitively ("depress" finds "Depression"); abbreviations match as whole, case-sensitive words.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "trialsynth"
CODEBOOK = ROOT / "analysis" / "codebook.yaml"

#: Names of the first review's drugs and conditions, whatever the codebook holds today.
FIXED = (
    "ketamine",
    "esketamine",
    "arketamine",
    "spravato",
    "ketalar",
    "ketanest",
    "depress",
    "antidepress",
    "bipolar",
    "suicid",
    "anxiety",
    "psilocybin",
    "midazolam",
    "electroconvulsive",
    "schizophren",
    "alcohol",
    "cocaine",
    "opioid",
    "TRD",
    "MDD",
    "PTSD",
    "OCD",
    "KAP",
    "ECT",
    "CBT",
)

#: Words the codebook's patterns use around a name to say what kind of thing it is, not which
#: one (and the values the coder writes itself). A drug, condition or therapy name never
#: belongs here.
GENERIC = frozenset(
    [
        "after",
        "assisted",
        "based",
        "behavio",
        "behaviou",
        "behaviour",
        "behavioural",
        "behavior",
        "behavioral",
        "delivered",
        "disorder",
        "disorders",
        "drug",
        "fail",
        "family",
        "following",
        "group",
        "groups",
        "integration",
        "intervention",
        "least",
        "major",
        "meaning",
        "more",
        "peri",
        "post",
        "problem",
        "psycho",
        "psychotherapy",
        "response",
        "sessions",
        "step",
        "style",
        "support",
        "therap",
        "therapy",
        "three",
        "treatment",
        "trial",
        "twelve",
        "written",
        "other",
        "none",
        "mixed",
        "use",
        "substance",
        # "cent" is the stem of a therapy pattern ("meaning-cent(?:e|r)ed") and would match
        # "center" in plotting alignment; "insufficient" (of "insufficient response") is also
        # the claims-audit verdict "insufficient evidence" that the report must print.
        "cent",
        "insufficient",
    ]
)

#: Fields whose values and patterns are the review's topic.
TOPIC_SECTIONS = ("drug", "condition", "psychotherapy")


def _pattern_words(pattern: str) -> set[str]:
    """Literal words (4+ letters) and abbreviations (3+ capitals) of a regular expression."""
    joined = re.sub(r"\[- \]\?|-\?|\\s\?", "", pattern)  # post-?partum -> postpartum
    plain = re.sub(r"\\[a-zA-Z]|\(\?[-a-z<=!:]*", " ", joined)
    words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", plain)}
    words |= set(re.findall(r"(?<![A-Za-z])[A-Z]{3,}(?![a-z])", plain))
    return words


def _entries(node: object) -> list[dict[str, object]]:
    """Every ``{value, patterns}`` entry below ``node``."""
    if isinstance(node, dict):
        if "value" in node and "patterns" in node:
            return [node]
        return [e for v in node.values() for e in _entries(v)]
    if isinstance(node, list):
        return [e for v in node for e in _entries(v)]
    return []


def topic_words(codebook: Path = CODEBOOK) -> set[str]:
    """The words searched for: fixed names, topic values and their patterns' literal words."""
    doc = yaml.safe_load(codebook.read_text(encoding="utf-8"))
    words = set(FIXED)
    for name in ("drug", "condition", "psychotherapy_type"):
        for value in doc["fields"][name]["values"]:
            if value.isupper():
                words.add(value)
            else:
                words |= {t for t in value.lower().split("_") if len(t) >= 4}
    for section in TOPIC_SECTIONS:
        for entry in _entries(doc[section]):
            for pattern in entry["patterns"]:  # type: ignore[union-attr]
                words |= _pattern_words(str(pattern))
    return {w for w in words if w.lower() not in GENERIC}


def word_regex(words: set[str]) -> re.Pattern[str]:
    """One regex: abbreviations as case-sensitive whole words, other words at a word start."""
    abbreviations = sorted(w for w in words if w.isupper())
    names = sorted(w for w in words if not w.isupper())
    parts = [rf"(?-i:\b{re.escape(w)}\b)" for w in abbreviations]
    parts += [rf"\b{re.escape(w)}" for w in names]
    return re.compile("|".join(parts), re.IGNORECASE)


def topic_hits(folder: Path, words: set[str]) -> list[str]:
    """``path:line: word`` for every topic word in the text files under ``folder``."""
    regex = word_regex(words)
    hits = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in {".py", ".json", ".yaml", ".txt", ".md"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in regex.finditer(line):
                hits.append(f"{path.relative_to(folder)}:{number}: {match.group(0)}")
    return hits


def test_word_list_holds_the_codebook_names() -> None:
    words = topic_words()
    assert {"esketamine", "ketalar", "PTSD", "TRD", "bipolar", "cocaine", "mindfulness"} <= words
    assert {"MBRP", "EMDR", "fibromyalgia", "postpartum", "hakomi"} <= words
    assert not words & GENERIC


def test_package_names_no_topic_word() -> None:
    hits = topic_hits(PACKAGE, topic_words())
    assert hits == [], "\n".join(hits)


def test_scan_finds_a_name_added_to_the_package(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text(
        'DEFAULT = "arketamine"\n# for Major Depressive Disorder\nCODE = "PTSD"\nok = "otrd"\n',
        encoding="utf-8",
    )
    hits = topic_hits(tmp_path, topic_words())
    assert hits == ["module.py:1: arketamine", "module.py:2: Depress", "module.py:3: PTSD"]


def test_a_name_added_to_the_codebook_is_searched(tmp_path: Path) -> None:
    text = CODEBOOK.read_text(encoding="utf-8").replace(
        "        - '\\bfibromyalgia\\b'",
        "        - '\\bfibromyalgia\\b'\n        - '\\bvulvodynia\\b'",
    )
    codebook = tmp_path / "codebook.yaml"
    codebook.write_text(text, encoding="utf-8")
    assert "vulvodynia" in topic_words(codebook)
    assert "vulvodynia" not in topic_words()
