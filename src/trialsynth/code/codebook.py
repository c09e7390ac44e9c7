"""Loading ``analysis/codebook.yaml`` into precompiled regular expressions.

The codebook holds the whole vocabulary of the coder: the coded fields and their allowed values
(``fields``), and the patterns behind each value (drug names, routes, conditions, psychotherapy
modalities, comparators, design words). Every pattern is compiled once, case-insensitively, so
coding a study is a series of ``re.search`` calls (Python ``re``; scoped flags ``(?-i:...)``
keep abbreviations such as ``IV`` case-sensitive). Every value a rule names is checked against
``fields`` when the codebook is loaded.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialsynth.code.fields import FieldSpec, check_values, field_specs
from trialsynth.code.gates import (
    Gate,
    forget_places,
    literal_gate,
    literal_offsets,
    places,
    register,
)
from trialsynth.digest import sha256_text
from trialsynth.protocol import compile_pattern, load_yaml, validate_document

#: Results of :meth:`Rule.search` for the texts of the study being coded, by rule and text:
#: one study tests the same field text with the same rule many times (trial level, arm level,
#: sentence filters; ~40 % of its searches). Emptied per study (:func:`clear_search_memo`,
#: called by :func:`trialsynth.code.study.code_study`), so texts repeated across studies are
#: not free, and when it reaches :data:`SEARCH_MEMO_LIMIT` entries (callers that never empty it).
_SEARCH_MEMO: dict[tuple[Rule, str], re.Match[str] | None] = {}
SEARCH_MEMO_LIMIT = 50_000


#: Results of :meth:`Rule.within` for the texts of the study being coded: the coder narrows
#: the same rule to the same summary from several places (the therapy of the trial and of its
#: arms, the comparison sentences), and each time looked for every literal of the rule in the
#: whole text again (a quarter of its calls). Emptied with :data:`_SEARCH_MEMO`.
_WITHIN_MEMO: dict[tuple[Rule, str], Rule] = {}


def clear_search_memo() -> None:
    """Forget the remembered searches (:data:`_SEARCH_MEMO`, :data:`_WITHIN_MEMO`)."""
    _SEARCH_MEMO.clear()
    _WITHIN_MEMO.clear()
    forget_places()


#: Marks a search not yet made (:data:`_SEARCH_MEMO` holds ``None`` for "no match").
_UNSEEN: object = object()
#: Offset of a literal whose place in a match is unknown: the search starts at the text's start.
_ANYWHERE = sys.maxsize


def _starts(gate: Gate | None, pattern: re.Pattern[str]) -> tuple[tuple[str, int], ...] | None:
    """A part's gate literals, each with the most characters a match holds before it
    (:func:`trialsynth.code.gates.literal_offsets`; :data:`_ANYWHERE` for a literal the
    pattern's own reading does not give), or ``None`` for an ungated part."""
    if gate is None:
        return None
    offsets = literal_offsets(pattern.pattern) or {}
    return tuple((literal, offsets.get(literal, _ANYWHERE)) for literal in sorted(gate))


@dataclass(frozen=True, eq=False)
class Rule:
    """One coded value and the patterns that give evidence for it.

    ``pattern`` is the alternation of all the value's patterns; ``parts`` holds each pattern
    with its literal gate (:mod:`trialsynth.code.gates`), so a search runs only the patterns
    whose literals occur in the text. Rules compare and hash by identity (a rule is built once
    per codebook; :data:`_SEARCH_MEMO` is keyed by it).
    """

    value: str
    pattern: re.Pattern[str]
    parts: tuple[tuple[Gate | None, re.Pattern[str]], ...] = ()
    suppresses: frozenset[str] = frozenset()
    suppresses_in_text: frozenset[str] = frozenset()
    arm_types: frozenset[str] = frozenset()
    intervention_types: frozenset[str] = frozenset()
    only_without_drug: bool = False

    def __post_init__(self) -> None:
        """Build the rule-level gate (every part's literals; ``None`` when some part has no
        literal, so the rule must always run) and each part's search plan (its pattern and
        gate literals with their offsets, :func:`_starts`)."""
        ungated = any(gate is None for gate, _ in self.parts)
        literals = tuple(sorted({lit for gate, _ in self.parts if gate for lit in gate}))
        register(literals)
        object.__setattr__(self, "_literals", None if ungated else literals)
        object.__setattr__(self, "_literal_set", frozenset(literals))
        # With one part, its own literals are the rule's gate: no separate rule-level test.
        reject = None if ungated or len(self.parts) < 2 else frozenset(literals)
        object.__setattr__(self, "_reject", reject)
        plan = tuple((pattern, _starts(gate, pattern)) for gate, pattern in self.parts)
        object.__setattr__(self, "_plan", plan)
        object.__setattr__(self, "_narrowed_cache", {})
        object.__setattr__(self, "_within_cache", {})

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling (a worker process started by spawn or forkserver receives the codebook
        pickled): the rule's literals are registered again, as :meth:`__post_init__` did in
        the process that built it, or :func:`trialsynth.code.gates.places` would not look for
        them and every gate would fail."""
        self.__dict__.update(state)
        register(state["_literal_set"])

    def may_match(self, text: str) -> bool:
        """False only when no pattern of the rule can match ``text`` (a cheap check)."""
        if self._literals is None:  # type: ignore[attr-defined]
            return True
        found = places(text)
        return found is None or not self._literal_set.isdisjoint(found)  # type: ignore[attr-defined]

    def search(self, text: str) -> re.Match[str] | None:
        """The leftmost match of any of the value's patterns in ``text``, or ``None``
        (remembered for the study being coded, :data:`_SEARCH_MEMO`)."""
        key = (self, text)
        best = _SEARCH_MEMO.get(key, _UNSEEN)
        if best is _UNSEEN:
            best = self._search(text)
            if len(_SEARCH_MEMO) >= SEARCH_MEMO_LIMIT:
                _SEARCH_MEMO.clear()
            _SEARCH_MEMO[key] = best
        return best  # type: ignore[return-value]

    def _search(self, text: str) -> re.Match[str] | None:
        """:meth:`search` without the memo. Each gated part is searched from the first place
        a match can start (the first occurrence of one of its literals in the lower-cased
        text, minus the most characters a match holds before that literal; none: skipped),
        and not at all when that place is not before the leftmost match found so far
        (``Pattern.search(text, pos)`` still lets ``\\b`` and look-behinds see the text
        before ``pos``, so it finds the match ``search(text)`` finds when none starts earlier).
        """
        found = places(text)
        if found is None:
            return self._search_ungated(text)
        reject: frozenset[str] | None = self._reject  # type: ignore[attr-defined]
        if reject is not None and reject.isdisjoint(found):
            return None
        best: re.Match[str] | None = None
        plan: tuple[tuple[re.Pattern[str], tuple[tuple[str, int], ...] | None], ...]
        plan = self._plan  # type: ignore[attr-defined]
        for pattern, starts in plan:
            start = 0
            if starts is not None:
                first: int | None = None
                for literal, before in starts:
                    at = found.get(literal)
                    if at is not None and (first is None or at - before < first):
                        first = at - before
                if first is None:
                    continue
                start = max(first, 0)
            if best is not None and start >= best.start():
                continue
            match = pattern.search(text, start)
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        return best

    def _search_ungated(self, text: str) -> re.Match[str] | None:
        """The leftmost match of any part, every part searched (a text the gates cannot
        judge: :func:`trialsynth.code.gates.places`)."""
        best: re.Match[str] | None = None
        for _, pattern in self.parts:
            match = pattern.search(text)
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        return best

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[re.Match[str]]:
        """All matches of the alternation in ``text[pos:endpos]`` (none when gated out).

        The alternation is narrowed to the patterns whose gates pass (in codebook order): a
        pattern left out matches nowhere in ``text``, so at every position the alternation
        tries the same patterns that can succeed and finds the same matches (only their
        spans and whole text are read; group numbers are not kept).
        """
        literals: tuple[str, ...] | None = self._literals  # type: ignore[attr-defined]
        found = places(text)
        end = len(text) if endpos is None else endpos
        if found is None:
            return list(self.pattern.finditer(text, pos, end))
        if literals is not None and self._literal_set.isdisjoint(found):  # type: ignore[attr-defined]
            return []
        return list(self._narrowed(found).finditer(text, pos, end))

    def within(self, text: str) -> Rule:
        """The rule as it can match inside ``text`` and any piece of it (its sentences): only
        the patterns whose gates pass in ``text``, gated only by the literals found there.

        A literal absent from ``text`` is absent from every piece of it, so searching a piece
        with this rule gives the match the whole rule gives; a text split into many sentences
        then tests each sentence against the few literals the text holds (built once per
        combination). Its ``pattern`` stays the whole alternation: the patterns left out
        cannot match in ``text`` or its pieces, so the alternation finds the same spans. A
        text holding none of the literals gives a rule without parts, which matches nowhere.
        Remembered for the study being coded (:data:`_WITHIN_MEMO`).
        """
        key = (self, text)
        rule = _WITHIN_MEMO.get(key)
        if rule is None:
            rule = self._within(text)
            if len(_WITHIN_MEMO) >= SEARCH_MEMO_LIMIT:
                _WITHIN_MEMO.clear()
            _WITHIN_MEMO[key] = rule
        return rule

    def _within(self, text: str) -> Rule:
        """:meth:`within` without the memo."""
        literals: tuple[str, ...] | None = self._literals  # type: ignore[attr-defined]
        if literals is None:
            return self
        present = places(text)
        if present is None:
            return self
        found = tuple(literal for literal in literals if literal in present)
        if len(found) == len(literals):
            return self
        cache: dict[tuple[str, ...], Rule] = self._within_cache  # type: ignore[attr-defined]
        rule = cache.get(found)
        if rule is None:
            if len(cache) >= 256:
                cache.clear()
            kept = frozenset(found)
            parts = tuple(
                (gate & kept, pattern) for gate, pattern in self.parts if gate and gate & kept
            )
            rule = dataclasses.replace(self, parts=parts)
            cache[found] = rule
        return rule

    def _narrowed(self, found: dict[str, int]) -> re.Pattern[str]:
        """The alternation of the patterns whose gates pass in a text holding the literals
        ``found`` (:func:`trialsynth.code.gates.places`; compiled once per combination)."""
        live = tuple(
            i
            for i, (gate, _) in enumerate(self.parts)
            if gate is None or not gate.isdisjoint(found)
        )
        if len(live) == len(self.parts):
            return self.pattern
        narrowed: dict[tuple[int, ...], re.Pattern[str]] = self._narrowed_cache  # type: ignore[attr-defined]
        pattern = narrowed.get(live)
        if pattern is None:
            if len(narrowed) >= 256:
                narrowed.clear()
            sources = [self.parts[i][1].pattern for i in live]
            pattern = (
                re.compile("|".join(f"(?:{p})" for p in sources), self.pattern.flags)
                if sources
                else NEVER
            )
            narrowed[live] = pattern
        return pattern


#: A pattern that never matches (a value with no patterns, e.g. ``psychotherapy_only``).
NEVER = re.compile(r"(?!)")


@dataclass(frozen=True, eq=False)
class _GroupIndex:
    """Which rules of a group each gate literal lets through (:func:`candidates`)."""

    rules: tuple[Rule, ...]
    #: Per literal, the rules (bits by position) whose gate it passes.
    rules_of: dict[str, int]
    #: The rules searched whatever the text holds (a part without literals).
    always: int
    #: The rules of each combination of bits, built once.
    chosen: dict[int, tuple[Rule, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: tuple[Rule, ...]) -> _GroupIndex:
        """The index of ``rules``."""
        rules_of: dict[str, int] = {}
        always = 0
        for position, rule in enumerate(rules):
            literals: tuple[str, ...] | None = rule._literals  # type: ignore[attr-defined]
            if literals is None:
                always |= 1 << position
                continue
            for literal in literals:
                rules_of[literal] = rules_of.get(literal, 0) | 1 << position
        return cls(rules, rules_of, always)

    def select(self, bits: int) -> tuple[Rule, ...]:
        """The rules whose bits are set, in group order."""
        chosen = self.chosen.get(bits)
        if chosen is None:
            chosen = tuple(rule for i, rule in enumerate(self.rules) if bits >> i & 1)
            self.chosen[bits] = chosen
        return chosen


#: The index of each group of rules :func:`candidates` was given, by ``id`` (the index holds
#: the group, so its ``id`` is not reused while the entry exists).
_GROUP_INDEX: dict[int, _GroupIndex] = {}


def candidates(rules: tuple[Rule, ...], text: str) -> tuple[Rule, ...]:
    """The rules of ``rules`` (in their order) whose gate passes in ``text``
    (:meth:`Rule.may_match`): every rule left out has ``rule.search(text) is None``, so a
    caller that tries each rule in turn need only try these.

    The few literals ``text`` holds (:func:`trialsynth.code.gates.places`) select the rules,
    instead of one call per rule of the group.
    """
    found = places(text)
    if found is None:
        return rules
    index = _GROUP_INDEX.get(id(rules))
    if index is None or index.rules is not rules:
        index = _GroupIndex.of(rules)
        _GROUP_INDEX[id(rules)] = index
    bits = index.always
    rules_of = index.rules_of
    for literal in found:
        bits |= rules_of.get(literal, 0)
    return index.select(bits)


@dataclass(frozen=True)
class ImpliedRoute:
    """A route implied by the drug and the comparator when no text states one."""

    value: str
    drugs: frozenset[str]
    comparators: frozenset[str]


@dataclass(frozen=True)
class Codebook:
    """The compiled codebook; build it with :func:`load_codebook`."""

    fields: dict[str, FieldSpec]
    drug: tuple[Rule, ...]
    route: tuple[Rule, ...]
    route_window: int
    route_implied: tuple[ImpliedRoute, ...]
    condition: tuple[Rule, ...]
    condition_unspecified: str | None
    condition_ignore: Rule
    condition_broad: Rule
    condition_broad_yield_to: frozenset[str]
    condition_refiners: frozenset[str]
    purpose_refiners: frozenset[str]
    purpose_sentence: Rule
    therapy_types: tuple[Rule, ...]
    therapy_unnamed: Rule
    behavioral_types: frozenset[str]
    therapy_ignore: Rule
    therapy_unclear: Rule
    comparator: tuple[Rule, ...]
    comparison_sentence: Rule
    design: dict[str, Rule] = field(default_factory=dict)
    source: str = ""
    #: sha256 of the codebook document as read (:func:`document_digest`); ``""`` for a
    #: codebook not read from a file. Names the codebook in the coding memo's keys.
    digest: str = ""

    def __post_init__(self) -> None:
        """Field-level prefilters: the union of every value's pattern, so a text that matches
        none of a field's values is skipped after one search."""
        unions = {
            "any_condition": self.condition,
            "any_therapy": (*self.therapy_types, self.therapy_unnamed),
            "any_route": self.route,
            "any_drug": self.drug,
            "any_comparator": self.comparator,
        }
        refiners = self.condition_refiners | self.purpose_refiners
        unions["any_refiner"] = tuple(r for r in self.condition if r.value in refiners)
        for name, rules in unions.items():
            object.__setattr__(self, name, _union(rules))

    any_condition: Rule = field(init=False, repr=False)
    any_therapy: Rule = field(init=False, repr=False)
    any_route: Rule = field(init=False, repr=False)
    any_drug: Rule = field(init=False, repr=False)
    any_comparator: Rule = field(init=False, repr=False)
    any_refiner: Rule = field(init=False, repr=False)


def _union(rules: tuple[Rule, ...]) -> Rule:
    """One rule holding every pattern of ``rules`` (a field-level prefilter)."""
    parts = tuple(part for r in rules for part in r.parts)
    sources = [pattern.pattern for _, pattern in parts]
    alternation = (
        re.compile("|".join(f"(?:{p})" for p in sources), re.IGNORECASE) if sources else NEVER
    )
    return Rule(value="", pattern=alternation, parts=parts)


def _alternation(items: list[str], path: Path, where: str) -> re.Pattern[str]:
    """Check every pattern on its own (errors name its key), then compile their alternation."""
    for i, item in enumerate(items):
        compile_pattern(item, path, f"{where}[{i}]")
    if not items:
        return NEVER
    return compile_pattern("|".join(f"(?:{item})" for item in items), path, where)


def _patterns(items: list[str], path: Path, where: str) -> Rule:
    """A list of patterns as one (gated) rule without a value (context words)."""
    return Rule(
        value="", pattern=_alternation(items, path, where), parts=_parts(items, path, where)
    )


def _parts(
    items: list[str], path: Path, where: str
) -> tuple[tuple[Gate | None, re.Pattern[str]], ...]:
    return tuple(
        (literal_gate(item), compile_pattern(item, path, f"{where}[{i}]"))
        for i, item in enumerate(items)
    )


def _rule(entry: dict[str, Any], path: Path, where: str) -> Rule:
    return Rule(
        value=entry["value"],
        pattern=_alternation(entry["patterns"], path, f"{where}.patterns"),
        parts=_parts(entry["patterns"], path, f"{where}.patterns"),
        suppresses=frozenset(entry.get("suppresses", [])),
        suppresses_in_text=frozenset(entry.get("suppresses_in_text", [])),
        arm_types=frozenset(entry.get("arm_types", [])),
        intervention_types=frozenset(entry.get("intervention_types", [])),
        only_without_drug=bool(entry.get("only_without_drug", False)),
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
        Compiled rules, ready for :func:`trialsynth.code.code_study`.

    Raises
    ------
    ProtocolError
        File missing, invalid YAML, a key or value the schema does not allow, or a pattern that
        is not a valid regular expression (named by its key path).
    """
    path = Path(path)
    doc = load_yaml(path)
    validate_document(doc, "codebook", path)
    fields = field_specs(doc["fields"], path)
    _check_rule_values(doc, fields, path)
    therapy = doc["psychotherapy"]
    broad = doc["condition"].get("broad_terms", {})
    return Codebook(
        fields=fields,
        drug=_rules(doc["drug"], path, "drug"),
        route=_rules(doc["route"], path, "route"),
        route_window=int(doc["route_window"]),
        route_implied=tuple(
            ImpliedRoute(e["value"], frozenset(e["drugs"]), frozenset(e["comparators"]))
            for e in doc.get("route_implied", [])
        ),
        condition=_rules(doc["condition"]["values"], path, "condition.values"),
        condition_unspecified=doc["condition"].get("unspecified"),
        condition_refiners=frozenset(doc["condition"].get("refine_from_summaries", [])),
        purpose_refiners=frozenset(doc["condition"].get("refine_from_purpose", [])),
        purpose_sentence=_patterns(
            doc["condition"].get("purpose_sentence", []), path, "condition.purpose_sentence"
        ),
        condition_ignore=_patterns(
            doc["condition"]["ignore_sentence"], path, "condition.ignore_sentence"
        ),
        condition_broad=_patterns(
            broad.get("patterns", []), path, "condition.broad_terms.patterns"
        ),
        condition_broad_yield_to=frozenset(broad.get("yield_to", [])),
        therapy_types=_rules(therapy["types"], path, "psychotherapy.types"),
        therapy_unnamed=_rule(therapy["unnamed"], path, "psychotherapy.unnamed"),
        behavioral_types=frozenset(therapy["behavioral_intervention_types"]),
        therapy_ignore=_patterns(therapy["ignore_sentence"], path, "psychotherapy.ignore_sentence"),
        therapy_unclear=_patterns(
            therapy.get("unclear_sentence", []), path, "psychotherapy.unclear_sentence"
        ),
        comparator=_rules(doc["comparator"]["values"], path, "comparator.values"),
        comparison_sentence=_patterns(
            doc["comparator"]["comparison_sentence"], path, "comparator.comparison_sentence"
        ),
        design={
            key: _patterns(doc["design"][key], path, f"design.{key}")
            for key in ("observational", "randomized", "nonrandomized", "single_arm")
        },
        source=str(path),
        digest=document_digest(doc),
    )


def document_digest(doc: Any) -> str:
    """sha256 of a YAML document's content (keys sorted; comments and layout do not count)."""
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return sha256_text(text)


def _check_rule_values(doc: dict[str, Any], fields: dict[str, FieldSpec], path: Path) -> None:
    """Every value a rule or list of the codebook names must be a value of its field."""
    condition = doc["condition"]
    therapy = doc["psychotherapy"]
    unspecified = [condition["unspecified"]] if "unspecified" in condition else []
    yield_to = condition.get("broad_terms", {}).get("yield_to", [])
    lists: list[tuple[str, str, list[str]]] = [
        ("condition", "condition.unspecified", unspecified),
        (
            "condition",
            "condition.refine_from_summaries",
            condition.get("refine_from_summaries", []),
        ),
        ("condition", "condition.refine_from_purpose", condition.get("refine_from_purpose", [])),
        ("condition", "condition.broad_terms.yield_to", yield_to),
        ("psychotherapy_type", "psychotherapy.unnamed.value", [therapy["unnamed"]["value"]]),
    ]
    for section, field_name in (("drug", "drug"), ("route", "route")):
        for i, entry in enumerate(doc[section]):
            lists.append((field_name, f"{section}[{i}].value", [entry["value"]]))
    for where, field_name, entries in (
        ("condition.values", "condition", condition["values"]),
        ("psychotherapy.types", "psychotherapy_type", therapy["types"]),
        ("comparator.values", "comparator", doc["comparator"]["values"]),
    ):
        for i, entry in enumerate(entries):
            lists.append((field_name, f"{where}[{i}].value", [entry["value"]]))
            lists.append((field_name, f"{where}[{i}].suppresses", entry.get("suppresses", [])))
            lists.append(
                (
                    field_name,
                    f"{where}[{i}].suppresses_in_text",
                    entry.get("suppresses_in_text", []),
                )
            )
    for i, entry in enumerate(doc.get("route_implied", [])):
        lists.append(("route", f"route_implied[{i}].value", [entry["value"]]))
        lists.append(("drug", f"route_implied[{i}].drugs", entry["drugs"]))
        lists.append(("comparator", f"route_implied[{i}].comparators", entry["comparators"]))
    for field_name, where, values in lists:
        check_values(values, fields[field_name], path, where)
