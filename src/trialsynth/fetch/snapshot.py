"""Atomic raw snapshots: files are written into a temporary folder beside the target, a
``manifest.json`` with a sha256 per file is added, and the folder replaces the previous
snapshot only when everything is written. A failed fetch leaves the old snapshot untouched.

The manifest layout is the contract of ``docs/architecture.md`` ("Raw snapshot layout").
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from trialsynth import __version__
from trialsynth.digest import sha256_file
from trialsynth.errors import FetchError, InputError
from trialsynth.tables import read_json_file, write_json_atomic

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
#: Largest share of a snapshot's records a refresh may drop without ``--allow-shrink``.
DEFAULT_MAX_DROP_SHARE = 0.2


def json_bytes(obj: Any) -> bytes:
    """``obj`` as the JSON of a snapshot data file (UTF-8, 2-space indent, keys in given order)."""
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class SnapshotWriter:
    """Collects the files of one snapshot and swaps them into ``target`` on :meth:`commit`.

    Use as a context manager; leaving the block with an exception (or without calling
    :meth:`commit`) removes the temporary folder and leaves ``target`` as it was.

    Parameters
    ----------
    target
        The snapshot folder (e.g. ``data/raw/ctgov``).
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(
            tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-", dir=self.target.parent)
        )
        self.names: list[str] = []
        self.committed = False

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.committed:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def write_bytes(self, name: str, data: bytes) -> None:
        """Add a data file with exactly these bytes."""
        if "/" in name or name == MANIFEST:
            raise ValueError(f"invalid snapshot file name {name!r}")
        (self.tmp / name).write_bytes(data)
        self.names.append(name)

    def copy_file(self, name: str, source: Path) -> None:
        """Add a data file with the bytes of ``source`` (a file kept from the old snapshot)."""
        self.write_bytes(name, source.read_bytes())

    def write_json(self, name: str, obj: Any) -> None:
        """Add a data file holding ``obj`` as :func:`json_bytes`."""
        self.write_bytes(name, json_bytes(obj))

    def file_hashes(self) -> dict[str, str]:
        """``{name: sha256}`` of every data file written so far."""
        return {name: sha256_file(self.tmp / name) for name in sorted(self.names)}

    def commit(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write ``manifest.json`` (with ``files`` and ``trialsynth_version`` added) and replace
        ``target`` with the new folder. Returns the manifest written."""
        manifest = {**manifest, "files": self.file_hashes(), "trialsynth_version": __version__}
        write_json_atomic(self.tmp / MANIFEST, manifest)
        os.chmod(self.tmp / MANIFEST, 0o644)  # readable like the data files
        _replace_dir(self.tmp, self.target)
        self.committed = True
        log.info("snapshot written to %s (%d files)", self.target, len(self.names))
        return manifest


def _replace_dir(new: Path, target: Path) -> None:
    """Put folder ``new`` in place of ``target`` (renames only; the old one is restored if the
    second rename fails)."""
    os.chmod(new, 0o755)
    if not target.exists():
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Load ``folder/manifest.json`` and check every listed file against its sha256.

    Raises
    ------
    InputError
        When the manifest is missing or unreadable, or a file is missing or changed.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    manifest: dict[str, Any] = read_json_file(
        path, missing="snapshot manifest not found", hint="run a full fetch first"
    )
    for name, expected in manifest.get("files", {}).items():
        file = folder / name
        if not file.exists():
            raise InputError("file listed in the manifest is missing", path=file)
        if sha256_file(file) != expected:
            raise InputError(
                "file does not match its sha256 in the manifest",
                path=file,
                hint="the snapshot was edited by hand; fetch it again",
            )
    return manifest


def previous_record_count(folder: str | os.PathLike[str], keys: tuple[str, ...]) -> int | None:
    """The number of records the snapshot in ``folder`` holds according to its manifest
    (the first of ``counts.<key>`` present), or None when there is no readable manifest.

    The files are not checked here: a refresh must be able to replace a damaged snapshot.
    """
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    counts = manifest.get("counts") if isinstance(manifest, dict) else None
    for key in keys:
        value = counts.get(key) if isinstance(counts, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


@dataclass(frozen=True)
class ShrinkGuard:
    """Refuses a refresh that would empty a snapshot or drop a large share of its records.

    A registry that answers an unchanged query with nothing (an outage, a changed field name,
    a typo in the query) must not silently replace the previous snapshot with an empty one.

    Parameters
    ----------
    allow_shrink
        Accept any drop, an empty result included (``--allow-shrink``: a deliberately
        narrower or empty query).
    max_drop_share
        Largest share (0 to 1) of the previous records that may be dropped otherwise
        (``--max-drop-share``).
    """

    allow_shrink: bool = False
    max_drop_share: float = DEFAULT_MAX_DROP_SHARE

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_drop_share <= 1.0:
            raise InputError(
                f"--max-drop-share {self.max_drop_share} is not a share between 0 and 1",
                hint=f"give a share such as {DEFAULT_MAX_DROP_SHARE}",
            )

    def check(self, previous: int | None, received: int, what: str, target: Path) -> None:
        """Raise :class:`FetchError` when ``received`` records would replace ``previous``
        beyond what is allowed; nothing has been written at that point."""
        if self.allow_shrink or not previous or received >= previous:
            return
        fix = (
            "if the smaller result is intended (a narrower or deliberately empty query), "
            "re-run with --allow-shrink"
        )
        if received == 0:
            raise FetchError(
                f"the search returned no {what}, but the snapshot in {target} holds "
                f"{previous}; the snapshot was not replaced (fix: check the query and the "
                f"registry's status; {fix})"
            )
        share = (previous - received) / previous
        if share > self.max_drop_share:
            raise FetchError(
                f"the search returned {received} {what}, but the snapshot in {target} holds "
                f"{previous}: {share:.0%} would be dropped, more than --max-drop-share "
                f"{self.max_drop_share:g}; the snapshot was not replaced (fix: {fix})"
            )


__all__ = [
    "DEFAULT_MAX_DROP_SHARE",
    "MANIFEST",
    "ShrinkGuard",
    "SnapshotWriter",
    "previous_record_count",
    "read_manifest",
    "sha256_file",
]
