"""JSON documents and atomic file writes: the part of :mod:`trialsynth.tables` that needs no pandas.

A stage that only reads the protocol, a JSON file passed between stages or writes a text file
(``history``, ``report``'s small files, the memo, the protocol loader every stage calls) imports
this module instead of :mod:`trialsynth.tables`, so it does not pay for importing pandas
(~0.25 s of a job's start-up). :mod:`trialsynth.tables` re-exports every name defined here.

The schemas ship inside the package (``trialsynth/schemas/*.schema.json``); a document is
checked against one by :mod:`trialsynth.schema_check`, and validated by ``jsonschema``
(imported then, ~0.1 s) only when that check does not find it valid.

Writes are atomic: a file is written to a temporary file beside the target and renamed into
place, so a failing stage never leaves a half-written file behind. A write whose bytes equal
the file already there leaves that file untouched (same inode, same modification time), so a
refresh that changes nothing does not look like a change to whatever reads it.
"""

from __future__ import annotations

import contextlib
import filecmp
import json
import os
import tempfile
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from trialsynth import schema_check
from trialsynth.errors import InputError, SchemaError

#: Optional folder that replaces the shipped schemas (tests use it for throwaway schemas).
SCHEMA_DIR_ENV = "TRIALSYNTH_SCHEMA_DIR"

#: The schemas ship inside the package (``trialsynth/schemas/*.schema.json``, listed as
#: package data), so an installed wheel validates with no checkout and whatever the working
#: directory.
SCHEMA_PACKAGE = "trialsynth"
SCHEMA_FOLDER = "schemas"


def schema_source(name: str) -> Traversable:
    """The ``<name>.schema.json`` resource: from ``$TRIALSYNTH_SCHEMA_DIR`` when set, else the
    copy shipped in the package."""
    env = os.environ.get(SCHEMA_DIR_ENV)
    if env:
        return Path(env) / f"{name}.schema.json"
    return resources.files(SCHEMA_PACKAGE).joinpath(SCHEMA_FOLDER, f"{name}.schema.json")


def load_schema(name: str) -> dict[str, Any]:
    """Load the JSON Schema ``<name>.schema.json`` shipped in the package."""
    source = schema_source(name)
    try:
        schema: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SchemaError(
            "schema file not found",
            path=str(source),
            hint=f"the package ships its schemas in trialsynth/{SCHEMA_FOLDER}/; "
            "reinstall it, or unset " + SCHEMA_DIR_ENV,
        ) from exc
    return schema


def validate_json(
    doc: Any,
    schema_name: str,
    path: str | os.PathLike[str],
    error: type[InputError] = SchemaError,
) -> None:
    """Validate a JSON/YAML document against the shipped schema ``<schema_name>``.

    Raises ``error`` (:class:`SchemaError`, or :class:`~trialsynth.errors.ProtocolError`
    for review files) for the first, most relevant error, naming the key path.

    A document :func:`trialsynth.schema_check.check` finds valid is not validated again;
    any other is validated by ``jsonschema``, whose error is reported.
    """
    schema = load_schema(schema_name)
    if schema_check.check(doc, schema):
        return
    import jsonschema  # imported on use: ~0.1 s of start-up, only for a doubtful document

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
        hint = f"allowed keys here: {sorted(err.schema.get('properties', {}))}"
    elif err.validator == "required":
        hint = "add the missing key"
    raise error(err.message, path=path, record=f"key {key}", hint=hint)


def read_json_file(
    path: str | os.PathLike[str],
    *,
    missing: str = "file not found",
    hint: str = "run the stage that produces it first",
) -> Any:
    """Parse a UTF-8 JSON file; a missing or malformed file is an :class:`InputError`.

    ``missing`` and ``hint`` say what the absent file is and how to produce it.
    """
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(missing, path=path, hint=hint) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc}", path=path) from exc


def read_json_document(path: str | os.PathLike[str], schema_name: str) -> Any:
    """Read a JSON file passed between stages and validate it against ``schema_name``."""
    path = Path(path)
    doc = read_json_file(path)
    validate_json(doc, schema_name, path)
    return doc


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    When ``target`` already holds exactly the bytes written, it is kept as it is (the
    temporary file is dropped). On any exception the temporary file is removed and ``target``
    is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates 0600 files; give the table the permissions of any new file (umask).
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)
    try:
        yield tmp
        if not _same_bytes(tmp, target):
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _same_bytes(new: Path, old: Path) -> bool:
    """True when ``old`` is a regular file with exactly the bytes of ``new``."""
    try:
        return old.is_file() and filecmp.cmp(new, old, shallow=False)
    except OSError:
        return False


def write_text_atomic(target: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text with ``\\n`` line endings atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_json_atomic(target: str | os.PathLike[str], obj: Any) -> None:
    """Write JSON (sorted keys, 2-space indent, trailing newline) atomically."""
    write_text_atomic(target, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
