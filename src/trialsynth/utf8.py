"""Decoding files that must be UTF-8.

Raw snapshot pages, extraction sheets and review YAML files are all read as bytes and decoded
here, so a bad byte gives the same one-line error everywhere: the file, the line (as the
record), the byte and its offset, and the fix that fits the kind of file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from trialsynth.errors import InputError


def decode_utf8(
    data: bytes,
    path: Path,
    hint: str,
    error: type[InputError] = InputError,
    record: Literal["line", "byte"] = "byte",
) -> str:
    """Decode ``data`` as UTF-8, or raise ``error`` naming ``path``, the line and the bad byte.

    Parameters
    ----------
    data
        The file's bytes.
    path
        The file, named in the error.
    hint
        How to fix the file (re-fetch a raw page, save a sheet as UTF-8, ...).
    error
        The error type to raise (:class:`~trialsynth.errors.InputError` or a subclass such as
        :class:`~trialsynth.errors.ProtocolError`).
    record
        The error's record: ``"byte"`` (the offset; raw pages may be one long line, and the
        message also names the line) or ``"line"`` (text a person edits).
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = "" if record == "line" else f" at line {line}"
        raise error(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x}{where} ({exc.reason})",
            path=path,
            record=f"line {line}" if record == "line" else f"byte {exc.start}",
            hint=hint,
        ) from exc
