"""Load and validate the review protocol (``analysis/protocol.yaml``).

The protocol is the configuration of a review: queries, eligibility rules, outcomes, analyses
and the estimator settings. It is validated against ``workflow/schemas/protocol.schema.json``
(``additionalProperties: false`` everywhere), and a validation error names the key path, the
offending value and the allowed values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from trialsynth.errors import ProtocolError
from trialsynth.tables import load_schema


def load_yaml(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML file, turning parser errors into :class:`ProtocolError` with the line."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise ProtocolError("file not found", path=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        record = f"line {mark.line + 1}" if mark is not None else None
        raise ProtocolError(f"invalid YAML: {exc}", path=path, record=record) from exc


def validate_document(doc: Any, schema_name: str, path: str | os.PathLike[str]) -> None:
    """Validate ``doc`` against ``workflow/schemas/<schema_name>.schema.json``.

    Raises :class:`ProtocolError` for the first (most relevant) error, naming the key path.
    """
    schema = load_schema(schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: (len(e.path), list(map(str, e.path))))
    if not errors:
        return
    err = jsonschema.exceptions.best_match(errors)
    key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
    hint = None
    if err.validator == "enum":
        hint = f"allowed values: {err.validator_value}"
    elif err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        hint = f"allowed keys here: {allowed}"
    elif err.validator == "required":
        hint = "add the missing key"
    raise ProtocolError(err.message, path=path, record=f"key {key}", hint=hint)


def load_protocol(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load ``protocol.yaml`` and validate it against ``protocol.schema.json``."""
    doc = load_yaml(path)
    if not isinstance(doc, dict):
        raise ProtocolError("the protocol must be a mapping of sections", path=path)
    validate_document(doc, "protocol", path)
    return doc
