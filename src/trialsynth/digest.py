"""Content digests of files and texts: what manifests, records, provenance and memo keys use to
name exact bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Bytes read at a time, so a large raw file is never held in memory whole.
CHUNK_BYTES = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in chunks of :data:`CHUNK_BYTES`."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    """Hex sha256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
