"""Reading raw snapshot files as bytes, with errors that name the file and the place."""

from __future__ import annotations

from pathlib import Path

from trialsynth.errors import InputError


def list_raw_files(raw_dir: str | Path, pattern: str, what: str) -> list[Path]:
    """Data files of a raw snapshot folder matching ``pattern``, sorted by name.

    Raises
    ------
    InputError
        When the folder does not exist or holds no matching file.
    """
    folder = Path(raw_dir)
    if not folder.is_dir():
        raise InputError(
            "raw snapshot folder not found",
            path=folder,
            hint=f"run `trialsynth fetch {what}` first or pass the folder that holds {pattern}",
        )
    files = sorted(p for p in folder.glob(pattern) if p.is_file())
    if not files:
        raise InputError(
            f"no {pattern} files in the raw snapshot folder",
            path=folder,
            hint=f"run `trialsynth fetch {what}` or pass the folder that holds them",
        )
    return files


def read_utf8(path: Path) -> str:
    """Read a file that must be UTF-8; a bad byte gives :class:`InputError` with its offset."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc
    return decode_utf8(data, path)


_REFETCH = "re-fetch the file; raw snapshots are written as UTF-8 as received"


def decode_utf8(data: bytes, path: Path, hint: str = _REFETCH) -> str:
    """Decode UTF-8 bytes; the error names the file, the line and the byte offset of the first
    bad byte, with ``hint`` as the fix."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at line {line} ({exc.reason})",
            path=path,
            record=f"byte {exc.start}",
            hint=hint,
        ) from exc
