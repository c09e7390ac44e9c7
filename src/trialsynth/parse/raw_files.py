"""Reading raw snapshot files as bytes, with errors that name the file and the place, and
checking them against the snapshot's ``manifest.json`` before any stage reads them."""

from __future__ import annotations

import fnmatch
import json
import logging
from pathlib import Path

from trialsynth import utf8
from trialsynth.digest import sha256_file
from trialsynth.errors import InputError
from trialsynth.fetch.snapshot import MANIFEST

log = logging.getLogger(__name__)


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
    verify_snapshot(folder, pattern, files, what)
    return files


def verify_snapshot(folder: Path, pattern: str, files: list[Path], what: str) -> None:
    """Check the data files a stage is about to read against the folder's ``manifest.json``:
    each one listed with the same sha256, and every listed file matching ``pattern`` present.

    A folder without a manifest is not a snapshot (e.g. a test fixture): its files are read
    unchecked, and that is logged.

    Raises
    ------
    InputError
        The manifest is unreadable, or a file was edited, added or removed after the fetch
        (naming the file and how to get the snapshot back).
    """
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        log.info("%s: no %s; %s files read without a checksum check", folder, MANIFEST, pattern)
        return
    try:
        listed = json.loads(manifest_path.read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError) as exc:
        raise InputError(
            f"unreadable snapshot manifest: {exc}",
            path=manifest_path,
            hint=f"fetch the snapshot again (`trialsynth fetch {what}`)",
        ) from exc
    if not isinstance(listed, dict):
        raise InputError("the manifest has no 'files' object", path=manifest_path)
    restore = (
        "restore the file as fetched (for a snapshot kept in git: `git checkout -- FILE`) or "
        f"fetch the snapshot again (`trialsynth fetch {what}`); raw pages are never edited"
    )
    for path in files:
        expected = listed.get(path.name)
        if expected is None:
            raise InputError(
                f"not listed in the snapshot's {MANIFEST}",
                path=path,
                hint=f"remove the file, or fetch the snapshot again (`trialsynth fetch {what}`)",
            )
        if sha256_file(path) != expected:
            raise InputError(
                f"does not match its sha256 in {manifest_path} (the file was changed after "
                "the fetch)",
                path=path,
                hint=restore.replace("FILE", str(path)),
            )
    present = {path.name for path in files}
    for name in sorted(listed):
        if fnmatch.fnmatch(name, pattern) and name not in present:
            raise InputError(
                f"listed in {manifest_path} but missing",
                path=folder / name,
                hint=restore.replace("FILE", str(folder / name)),
            )


def read_raw_bytes(path: Path) -> bytes:
    """A file's bytes; an unreadable file is an :class:`InputError` naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc


def read_utf8(path: Path) -> str:
    """Read a file that must be UTF-8; a bad byte gives :class:`InputError` with its offset."""
    return decode_utf8(read_raw_bytes(path), path)


_REFETCH = "re-fetch the file; raw snapshots are written as UTF-8 as received"


def decode_utf8(data: bytes, path: Path, hint: str = _REFETCH) -> str:
    """Decode a raw file's bytes as UTF-8 (:func:`trialsynth.utf8.decode_utf8`); the fix named
    by default is to re-fetch it."""
    return utf8.decode_utf8(data, path, hint)
