"""Load and validate the review protocol (``analysis/protocol.yaml``).

The protocol is the configuration of a review: queries, eligibility rules, outcomes, analyses
and the estimator settings. It is validated against ``trialsynth/schemas/protocol.schema.json``
(``additionalProperties: false`` everywhere), and a validation error names the key path, the
offending value and the allowed values. Every pattern key (``"format": "regex"`` in the
schema, e.g. ``analyses[].match``) must hold a valid regular expression.

:func:`check_protocol_file` is what the Snakefile calls before Snakemake reads the protocol,
so that a YAML syntax error, an empty file or an unknown key is reported in one line naming
the file and the line or key.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from trialsynth import schema_check
from trialsynth.documents import load_schema, validate_json
from trialsynth.errors import ProtocolError
from trialsynth.utf8 import decode_utf8

#: libyaml's loader when PyYAML was built with it (about ten times faster on a protocol than the
#: pure-Python one, the same documents); a file it refuses is parsed again by the pure-Python
#: loader, whose messages name the line and what is wrong.
FAST_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)

_YAML_FIX = "correct the YAML at that line (indentation, a missing colon, an unclosed quote)"
_REGEX_FIX = "write a Python regular expression (quote it with single quotes in YAML)"


def load_yaml(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML file, turning parser errors into a one-line :class:`ProtocolError` that
    names the file and the line (and a bad byte of a file that is not UTF-8)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ProtocolError("file not found", path=path) from exc
    except OSError as exc:
        raise ProtocolError(f"cannot read file: {exc.strerror}", path=path) from exc
    text = decode_utf8(data, path, "save the file as UTF-8", ProtocolError, record="line")
    if FAST_LOADER is not None:
        try:
            return yaml.load(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass  # parsed again below, for the pure-Python loader's message
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        record = f"line {mark.line + 1} column {mark.column + 1}" if mark is not None else None
        parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
        what = "; ".join(str(p) for p in parts if p) or type(exc).__name__
        start = getattr(exc, "context_mark", None)
        if start is not None and mark is not None and start.line != mark.line:
            what += f" (opened at line {start.line + 1})"
        raise ProtocolError(
            f"invalid YAML: {what}", path=path, record=record, hint=_YAML_FIX
        ) from exc


def validate_document(doc: Any, schema_name: str, path: str | os.PathLike[str]) -> None:
    """Validate a review file against ``trialsynth/schemas/<schema_name>.schema.json``.

    Raises :class:`ProtocolError` for the first (most relevant) error, naming the key path.
    """
    validate_json(doc, schema_name, path, error=ProtocolError)


def check_pattern_keys(doc: Any, schema_name: str, path: str | os.PathLike[str]) -> None:
    """Compile every value the schema marks ``"format": "regex"``.

    The values are found by :func:`trialsynth.schema_check.format_strings` when the document
    is valid (as :func:`validate_document` leaves it), else by ``jsonschema``'s format checker.

    Raises
    ------
    ProtocolError
        For the first value that is not a valid regular expression, naming its key path.
    """
    schema = load_schema(schema_name)
    found = schema_check.format_strings(doc, schema, "regex")
    if found is not None:
        for parts, value in found:
            compile_pattern(value, path, _key(parts))
        return
    import jsonschema  # imported on use: ~0.1 s of start-up, only for a doubtful document

    checker = jsonschema.FormatChecker(formats=("regex",))
    validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
    for err in validator.iter_errors(doc):
        if err.validator != "format" or not isinstance(err.instance, str):
            continue
        compile_pattern(err.instance, path, _key(err.absolute_path))


def _key(parts: Iterable[str | int]) -> str:
    """A key path as the messages write it: ``analyses[2].match``."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts).lstrip(
        "."
    )


def compile_pattern(
    pattern: str, path: object, key: str, flags: int = re.IGNORECASE
) -> re.Pattern[str]:
    """Compile a pattern of a review file (case-insensitive unless ``flags`` say otherwise).

    Raises
    ------
    ProtocolError
        When ``pattern`` is not a valid regular expression, naming the file and its ``key``.
    """
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ProtocolError(
            f"invalid regular expression {pattern!r}: {exc}",
            path=path,
            record=f"key {key}",
            hint=_REGEX_FIX,
        ) from exc


def load_protocol(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load ``protocol.yaml``, validate it against ``protocol.schema.json`` and check that
    every pattern key holds a valid regular expression.

    Raises
    ------
    ProtocolError
        The file is missing, empty, not UTF-8 or not YAML (naming the line), not a mapping,
        has a key or value the schema does not allow (naming the key), or a pattern key holds
        an invalid regular expression (naming the key).
    """
    doc = load_yaml(path)
    if doc is None:
        raise ProtocolError(
            "the file is empty",
            path=path,
            record="line 1",
            hint="write the protocol's sections (review, sources, eligibility, meta, outcomes, "
            "analyses); the shipped analysis/protocol.yaml is an example",
        )
    if not isinstance(doc, dict):
        raise ProtocolError(
            f"the protocol must be a mapping of sections, not a {type(doc).__name__}",
            path=path,
            record="line 1",
            hint="start each section at the beginning of a line with its name and a ':'",
        )
    validate_document(doc, "protocol", path)
    check_pattern_keys(doc, "protocol", path)
    return doc


def check_protocol_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load and validate a protocol file for the workflow; return it.

    Snakemake's own reading reports a YAML error as a generic "not valid JSON or YAML" and a
    schema error with the whole schema; this reports it in one line naming the file and the
    line or key (see :func:`load_protocol`) and ends the run with the error's exit status.

    Raises
    ------
    SystemExit
        The protocol is invalid (the message is written to standard error first).
    """
    try:
        return load_protocol(path)
    except ProtocolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from exc
