"""A fast check that a JSON document satisfies a JSON Schema, for the keywords the shipped
schemas use, without importing ``jsonschema``.

Importing ``jsonschema`` (``referencing``, ``attrs``, the meta-schemas) costs about 0.1 s of a
job's start-up, and nearly every job validates a document: the protocol, a pooled result, the
PRISMA counts. A valid document is the common case; :func:`check` says whether a document is
valid (``True``), invalid (``False``) or cannot be decided here (``None``: the schema uses a
keyword this module does not evaluate, such as ``patternProperties`` or a ``$ref`` to another
file). Only ``True`` lets the
caller skip ``jsonschema``; on ``False`` or ``None`` the caller validates with ``jsonschema``,
whose error names the key (:func:`trialsynth.documents.validate_json`), so every message stays
``jsonschema``'s.

The keywords are evaluated as JSON Schema draft 2020-12 and ``jsonschema``'s default type
checker define them: ``integer`` accepts a float with an integral value, neither ``integer``
nor ``number`` accepts a boolean, ``enum`` and ``const`` compare a boolean only with a
boolean, ``format`` is an annotation (no format checker). ``tests/unit/core/test_schema_check``
compares the verdicts with ``jsonschema``'s on every shipped schema and on documents mutated
key by key.

References
----------
JSON Schema Validation, draft 2020-12 (https://json-schema.org/draft/2020-12/json-schema-validation).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

#: Keywords that only annotate a schema (no effect on validity).
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples", "format"}
)


class UndecidedError(Exception):
    """The schema uses a keyword (or a value) that :func:`check` does not evaluate."""


def _is_type(instance: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(instance, dict)
    if kind == "array":
        return isinstance(instance, list)
    if kind == "string":
        return isinstance(instance, str)
    if kind == "null":
        return instance is None
    if kind == "boolean":
        return isinstance(instance, bool)
    if isinstance(instance, bool):
        return False
    if kind == "number":
        return isinstance(instance, (int, float))
    if kind == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    raise UndecidedError(f"type {kind!r}")


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _equal(a: Any, b: Any) -> bool:
    """JSON equality of two scalars: a boolean equals only a boolean, 1 equals 1.0."""
    if not (_scalar(a) and _scalar(b)):
        raise UndecidedError("enum or const of arrays or objects")
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


@lru_cache(maxsize=256)
def _pattern(text: str) -> Callable[[str], Any]:
    return re.compile(text).search


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valid(instance: Any, schema: Any, root: Mapping[str, Any] | None = None) -> bool:
    """Whether ``instance`` satisfies ``schema``; :class:`UndecidedError` for a keyword that is
    not evaluated here."""
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, Mapping):
        raise UndecidedError("a schema that is not an object")
    root = schema if root is None else root
    for keyword, value in schema.items():
        if keyword in ANNOTATIONS:
            continue
        if keyword in _APPLICATORS:
            if not _APPLICATORS[keyword](instance, value, schema, root):
                return False
            continue
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise UndecidedError(f"keyword {keyword!r}")
        if not check(instance, value, schema):
            return False
    return True


def _type(instance: Any, value: Any, schema: Mapping[str, Any]) -> bool:
    kinds = [value] if isinstance(value, str) else value
    return any(_is_type(instance, kind) for kind in kinds)


def _properties(
    instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]
) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(_valid(instance[name], sub, root) for name, sub in value.items() if name in instance)


def _additional(
    instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]
) -> bool:
    if not isinstance(instance, dict):
        return True
    if "patternProperties" in schema:
        raise UndecidedError("additionalProperties beside patternProperties")
    known = schema.get("properties", {})
    return all(_valid(item, value, root) for name, item in instance.items() if name not in known)


def _required(instance: Any, value: Any, schema: Mapping[str, Any]) -> bool:
    return not isinstance(instance, dict) or all(name in instance for name in value)


def _property_names(
    instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]
) -> bool:
    return not isinstance(instance, dict) or all(_valid(name, value, root) for name in instance)


def _items(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    if not isinstance(instance, list):
        return True
    if "prefixItems" in schema:
        raise UndecidedError("items beside prefixItems")
    return all(_valid(item, value, root) for item in instance)


def _unique(instance: Any, value: Any, schema: Mapping[str, Any]) -> bool:
    if not value or not isinstance(instance, list):
        return True
    if not all(isinstance(item, str) for item in instance):
        raise UndecidedError("uniqueItems of items that are not all strings")
    return len(set(instance)) == len(instance)


def _bound(test: Callable[[Any, Any], bool], applies: Callable[[Any], bool]) -> Any:
    def check(instance: Any, value: Any, schema: Mapping[str, Any]) -> bool:
        return not applies(instance) or test(instance, value)

    return check


def _enum(instance: Any, value: Any, schema: Mapping[str, Any]) -> bool:
    return any(_equal(instance, option) for option in value)


def _const(instance: Any, value: Any, schema: Mapping[str, Any]) -> bool:
    return _equal(instance, value)


def _not(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    return not _valid(instance, value, root)


def _is_str(instance: Any) -> bool:
    return isinstance(instance, str)


def _is_list(instance: Any) -> bool:
    return isinstance(instance, list)


def _is_dict(instance: Any) -> bool:
    return isinstance(instance, dict)


def _ref(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    """A reference inside the same schema (``#/$defs/name``); any other is not resolved here."""
    if not isinstance(value, str) or not value.startswith("#/"):
        raise UndecidedError(f"$ref {value!r}")
    target: Any = root
    for part in value[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, Mapping) or part not in target:
            raise UndecidedError(f"$ref {value!r}")
        target = target[part]
    return _valid(instance, target, root)


def _all_of(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    return all(_valid(instance, sub, root) for sub in value)


def _any_of(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    return any([_valid(instance, sub, root) for sub in value])  # every branch decided


def _one_of(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    return sum(_valid(instance, sub, root) for sub in value) == 1


def _if(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    """``if`` / ``then`` / ``else``: ``then`` applies when ``if`` holds, ``else`` when not."""
    branch = "then" if _valid(instance, value, root) else "else"
    return branch not in schema or _valid(instance, schema[branch], root)


def _branch(instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    """``then`` and ``else`` are evaluated by their ``if`` (alone, they have no effect)."""
    return True


def _definitions(
    instance: Any, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]
) -> bool:
    """``$defs`` holds schemas for ``$ref``; it does not apply to the instance itself."""
    return True


_APPLICATORS: dict[str, Callable[[Any, Any, Mapping[str, Any], Mapping[str, Any]], bool]] = {
    "properties": _properties,
    "additionalProperties": _additional,
    "propertyNames": _property_names,
    "items": _items,
    "not": _not,
    "$ref": _ref,
    "$defs": _definitions,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "if": _if,
    "then": _branch,
    "else": _branch,
}

_KEYWORDS: dict[str, Callable[[Any, Any, Mapping[str, Any]], bool]] = {
    "type": _type,
    "required": _required,
    "uniqueItems": _unique,
    "enum": _enum,
    "const": _const,
    # each bound is the negation of jsonschema's error test (a NaN breaks no bound there)
    "minimum": _bound(lambda x, v: not x < v, _number),
    "maximum": _bound(lambda x, v: not x > v, _number),
    "exclusiveMinimum": _bound(lambda x, v: not x <= v, _number),
    "exclusiveMaximum": _bound(lambda x, v: not x >= v, _number),
    "minLength": _bound(lambda x, v: not len(x) < v, _is_str),
    "maxLength": _bound(lambda x, v: not len(x) > v, _is_str),
    "pattern": _bound(lambda x, v: _pattern(v)(x) is not None, _is_str),
    "minItems": _bound(lambda x, v: not len(x) < v, _is_list),
    "maxItems": _bound(lambda x, v: not len(x) > v, _is_list),
    "minProperties": _bound(lambda x, v: not len(x) < v, _is_dict),
    "maxProperties": _bound(lambda x, v: not len(x) > v, _is_dict),
}


def check(instance: Any, schema: Mapping[str, Any]) -> bool | None:
    """``True`` when ``instance`` is valid against ``schema``, ``False`` when it is not, ``None``
    when the schema needs a keyword this module does not evaluate (ask ``jsonschema``)."""
    try:
        return _valid(instance, schema)
    except UndecidedError:
        return None


#: The applicators :func:`format_values` follows (``not`` is not entered: the errors under it
#: are never reported); under any other it raises :class:`UndecidedError`.
_FORMAT_WALK = frozenset({"properties", "additionalProperties", "items", "propertyNames", "not"})


def format_strings(
    instance: Any, schema: Mapping[str, Any], kind: str
) -> list[tuple[tuple[str | int, ...], str]] | None:
    """:func:`format_values` of a document :func:`check` finds valid; ``None`` when it does
    not, or when the schema has an applicator the walk does not follow (ask ``jsonschema``)."""
    try:
        return format_values(instance, schema, kind) if _valid(instance, schema) else None
    except UndecidedError:
        return None


def format_values(
    instance: Any, schema: Any, kind: str, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], str]]:
    """``(key path, value)`` of every string of a *valid* ``instance`` at a place whose schema
    says ``"format": kind``: the strings ``jsonschema``'s format checker visits (schema keywords
    in order; ``properties`` in the schema's order, other keys and items in the document's).

    Raises
    ------
    UndecidedError
        The schema has an applicator the walk does not follow (``$ref``, ``allOf``, ``if``...).
    """
    found: list[tuple[tuple[str | int, ...], str]] = []
    if not isinstance(schema, Mapping):
        return found
    for keyword, value in schema.items():
        if keyword in _APPLICATORS and keyword not in _FORMAT_WALK:
            raise UndecidedError(f"format values under {keyword!r}")
        if keyword == "format" and value == kind and isinstance(instance, str):
            found.append((path, instance))
        elif keyword == "properties" and isinstance(instance, dict):
            for name, sub in value.items():
                if name in instance:
                    found += format_values(instance[name], sub, kind, (*path, name))
        elif keyword == "additionalProperties" and isinstance(instance, dict):
            known = schema.get("properties", {})
            for name, item in instance.items():
                if name not in known:
                    found += format_values(item, value, kind, (*path, name))
        elif keyword == "items" and isinstance(instance, list):
            for index, item in enumerate(instance):
                found += format_values(item, value, kind, (*path, index))
        elif keyword == "propertyNames" and isinstance(instance, dict):
            for name in instance:
                found += format_values(name, value, kind, path)
    return found
