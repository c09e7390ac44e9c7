"""Loading ``analysis/codebook.yaml`` into precompiled regular expressions.

The codebook holds the vocabulary of the coder (drug names, routes, conditions, psychotherapy
modalities, comparators, design words). Every pattern is compiled once, case-insensitively, so
coding a study is a series of ``re.search`` calls (Python ``re``; scoped flags ``(?-i:...)``
keep abbreviations such as ``IV`` case-sensitive).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialsynth.errors import ProtocolError
from trialsynth.protocol import load_yaml, validate_document


@dataclass(frozen=True)
class Rule:
    """One coded value and the patterns that give evidence for it."""

    value: str
    patterns: tuple[re.Pattern[str], ...]
    suppresses: frozenset[str] = frozenset()
    suppresses_in_text: frozenset[str] = frozenset()
    arm_types: frozenset[str] = frozenset()
    intervention_types: frozenset[str] = frozenset()
    only_non_ketamine: bool = False

    def search(self, text: str) -> re.Match[str] | None:
        """The earliest match of any pattern in ``text``, or ``None``."""
        best: re.Match[str] | None = None
        for pattern in self.patterns:
            match = pattern.search(text)
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        return best


@dataclass(frozen=True)
class Codebook:
    """The compiled codebook; build it with :func:`load_codebook`."""

    drug: tuple[Rule, ...]
    route: tuple[Rule, ...]
    route_window: int
    condition: tuple[Rule, ...]
    condition_ignore: tuple[re.Pattern[str], ...]
    condition_refiners: frozenset[str]
    purpose_refiners: frozenset[str]
    purpose_sentence: tuple[re.Pattern[str], ...]
    therapy_types: tuple[Rule, ...]
    therapy_unnamed: Rule
    behavioral_types: frozenset[str]
    therapy_ignore: tuple[re.Pattern[str], ...]
    comparator: tuple[Rule, ...]
    comparison_sentence: tuple[re.Pattern[str], ...]
    design: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    source: str = ""


def _compile(pattern: str, path: Path, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ProtocolError(
            f"invalid regular expression {pattern!r}: {exc}",
            path=path,
            record=f"key {where}",
            hint="fix the pattern (Python re syntax; quote it with single quotes in YAML)",
        ) from exc


def _patterns(items: list[str], path: Path, where: str) -> tuple[re.Pattern[str], ...]:
    return tuple(_compile(p, path, f"{where}[{i}]") for i, p in enumerate(items))


def _rule(entry: dict[str, Any], path: Path, where: str) -> Rule:
    return Rule(
        value=entry["value"],
        patterns=_patterns(entry["patterns"], path, f"{where}.patterns"),
        suppresses=frozenset(entry.get("suppresses", [])),
        suppresses_in_text=frozenset(entry.get("suppresses_in_text", [])),
        arm_types=frozenset(entry.get("arm_types", [])),
        intervention_types=frozenset(entry.get("intervention_types", [])),
        only_non_ketamine=bool(entry.get("only_non_ketamine", False)),
    )


def _rules(entries: list[dict[str, Any]], path: Path, where: str) -> tuple[Rule, ...]:
    return tuple(_rule(e, path, f"{where}[{i}]") for i, e in enumerate(entries))


def load_codebook(path: str | os.PathLike[str]) -> Codebook:
    """Read, validate (``codebook.schema.json``) and compile a codebook.

    Parameters
    ----------
    path
        The codebook YAML file, normally ``analysis/codebook.yaml``.

    Returns
    -------
    Codebook
        Compiled rules, ready for :func:`trialsynth.coding.code_study`.

    Raises
    ------
    ProtocolError
        File missing, invalid YAML, a key or value the schema does not allow, or a pattern that
        is not a valid regular expression (named by its key path).
    """
    path = Path(path)
    doc = load_yaml(path)
    validate_document(doc, "codebook", path)
    therapy = doc["psychotherapy"]
    return Codebook(
        drug=_rules(doc["drug"], path, "drug"),
        route=_rules(doc["route"], path, "route"),
        route_window=int(doc["route_window"]),
        condition=_rules(doc["condition"]["values"], path, "condition.values"),
        condition_refiners=frozenset(doc["condition"].get("refine_from_summaries", [])),
        purpose_refiners=frozenset(doc["condition"].get("refine_from_purpose", [])),
        purpose_sentence=_patterns(
            doc["condition"].get("purpose_sentence", []), path, "condition.purpose_sentence"
        ),
        condition_ignore=_patterns(
            doc["condition"]["ignore_sentence"], path, "condition.ignore_sentence"
        ),
        therapy_types=_rules(therapy["types"], path, "psychotherapy.types"),
        therapy_unnamed=_rule(therapy["unnamed"], path, "psychotherapy.unnamed"),
        behavioral_types=frozenset(therapy["behavioral_intervention_types"]),
        therapy_ignore=_patterns(therapy["ignore_sentence"], path, "psychotherapy.ignore_sentence"),
        comparator=_rules(doc["comparator"]["values"], path, "comparator.values"),
        comparison_sentence=_patterns(
            doc["comparator"]["comparison_sentence"], path, "comparator.comparison_sentence"
        ),
        design={
            key: _patterns(doc["design"][key], path, f"design.{key}")
            for key in ("observational", "randomized", "nonrandomized", "single_arm")
        },
        source=str(path),
    )
