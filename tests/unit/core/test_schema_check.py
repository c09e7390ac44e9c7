"""The fast schema check agrees with ``jsonschema`` on every shipped schema: a document it
finds valid is valid, one it finds invalid is invalid, and the regular-expression keys it finds
are those ``jsonschema``'s format checker visits (``jsonschema`` visits the keys of an
``additionalProperties`` mapping in the order of a set, which changes from one process to the
next; the fast check visits them in the document's order).

Documents: the shipped review files and a fitted result, then copies changed at one key each
(a value replaced by another type, a boundary number, an empty string, NaN; a key removed; an
unknown key added), a deterministic sample per document.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
import yaml

from trialsynth import schema_check
from trialsynth.documents import load_schema
from trialsynth.meta.fit import fit_meta
from trialsynth.meta.result import MetaResult

ROOT = Path(__file__).resolve().parents[3]
CASE = ROOT / "tests" / "reference" / "metafor" / "bcg_rr_reml"
REPLACEMENTS: tuple[Any, ...] = (None, True, False, 0, 1, -1, 1.5, 0.0, 100, math.nan, "", "x",
                                 "(", "REML", [], ["x"], {}, {"x": 1})  # fmt: skip


def _documents() -> list[tuple[str, str, Any]]:
    docs = []
    for path in sorted([*ROOT.glob("analysis/*.yaml"), *ROOT.glob("examples/*/*.yaml")]):
        kind = path.stem if path.stem in ("protocol", "claims", "codebook") else None
        if kind:
            docs.append((str(path.relative_to(ROOT)), kind, yaml.safe_load(path.read_text())))
    data = pd.read_csv(CASE / "data.csv")
    fitted = fit_meta(data, "RR", by="group", cumulative_by="study").to_dict()
    docs.append(("bcg result", "meta_result", fitted))
    settings = {"measure": "RR", "method": "REML", "test": "adhoc", "pi": "hts", "level": 95.0}
    empty = MetaResult.empty(settings, "no studies").to_dict()
    docs.append(("empty result", "meta_result", empty))
    return docs


def _paths(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _paths(value, (*path, index))


def _mutations(doc: Any, count: int, seed: int) -> Iterator[Any]:
    rng = random.Random(seed)
    paths = [p for p in _paths(doc) if p]
    for _ in range(count):
        path = rng.choice(paths)
        changed = copy.deepcopy(doc)
        parent = changed
        for part in path[:-1]:
            parent = parent[part]
        how = rng.random()
        if how < 0.1 and isinstance(parent, dict):
            del parent[path[-1]]
        elif how < 0.2 and isinstance(parent, dict):
            parent["unknown_key"] = 1
        else:
            parent[path[-1]] = rng.choice(REPLACEMENTS)
        yield changed


def _jsonschema_valid(doc: Any, schema: dict[str, Any]) -> bool:
    return next(jsonschema.Draft202012Validator(schema).iter_errors(doc), None) is None


@pytest.mark.parametrize(("name", "kind", "doc"), _documents(), ids=lambda v: str(v)[:40])
def test_verdicts_agree_with_jsonschema(name: str, kind: str, doc: Any) -> None:
    schema = load_schema(kind)
    verdict = schema_check.check(doc, schema)
    assert verdict is True, name  # the fast path is taken for the documents of every job
    decided = 0
    for number, changed in enumerate([doc, *_mutations(doc, 250, seed=len(name))]):
        verdict = schema_check.check(changed, schema)
        if verdict is None:
            continue
        decided += 1
        assert verdict == _jsonschema_valid(changed, schema), (name, number)
    assert decided > 100


def test_undecided_keywords_are_left_to_jsonschema() -> None:
    assert schema_check.check({"a": 1}, {"$ref": "other.json#/x"}) is None
    assert schema_check.check({"a": 1}, {"$ref": "#/$defs/y", "$defs": {"x": {}}}) is None
    assert schema_check.check(1, {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}}) is False
    assert schema_check.format_strings({"a": "("}, {"allOf": [{}]}, "regex") is None
    assert schema_check.format_strings({"a": "("}, {"not": {"type": "string"}}, "regex") == []
    assert schema_check.check([1, 1], {"uniqueItems": True}) is None  # numbers: ask jsonschema
    assert schema_check.check(["a", "a"], {"uniqueItems": True}) is False
    assert schema_check.check({"a": 1}, {"patternProperties": {"^a": {}}}) is None


@pytest.mark.parametrize(
    ("instance", "schema", "expected"),
    [
        (1.0, {"type": "integer"}, True),
        (True, {"type": "integer"}, False),
        (True, {"type": "number"}, False),
        (1, {"enum": [True]}, False),
        (2, {"if": {"minimum": 1}, "then": {"maximum": 1}, "else": {"const": 0}}, False),
        (0, {"if": {"minimum": 1}, "then": {"maximum": 1}, "else": {"const": 0}}, True),
        (1, {"oneOf": [{"type": "integer"}, {"type": "number"}]}, False),
        (1, {"anyOf": [{"type": "string"}, {"type": "number"}]}, True),
        ("a", {"allOf": [{"type": "string"}, {"minLength": 2}]}, False),
        (1, {"enum": [1.0]}, True),
        (math.nan, {"minimum": 0}, True),
        (math.nan, {"exclusiveMaximum": 0}, True),
        ("ab", {"minLength": 3}, False),
        ({"x": 1}, {"propertyNames": {"not": {"const": "x"}}}, False),
        ({"y": 1}, {"propertyNames": {"not": {"const": "x"}}}, True),
        ({"y": 1}, {"properties": {"x": {}}, "additionalProperties": False}, False),
    ],
)
def test_keywords_follow_jsonschemas_definitions(
    instance: Any, schema: Any, expected: bool
) -> None:
    assert schema_check.check(instance, schema) is expected
    assert _jsonschema_valid(instance, schema) is expected


def test_pattern_keys_are_found_in_jsonschemas_order() -> None:
    schema = load_schema("protocol")
    doc = yaml.safe_load((ROOT / "analysis" / "protocol.yaml").read_text())
    found = [path for path, _ in schema_check.format_values(doc, schema, "regex")]
    assert len(found) > 10
    # every pattern made invalid: jsonschema's format checker reports each of them once
    broken = copy.deepcopy(doc)
    for path in found:
        parent = broken
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = "(unclosed"
    checker = jsonschema.FormatChecker(formats=("regex",))
    validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
    reported = [tuple(e.absolute_path) for e in validator.iter_errors(broken)]
    assert sorted(map(str, reported)) == sorted(map(str, found))
    assert len(set(found)) == len(found)
