"""Atomic snapshot writer and manifest checks."""

from __future__ import annotations

import hashlib
import json

import pytest

from trialsynth.errors import InputError
from trialsynth.fetch.snapshot import SnapshotWriter, read_manifest


def test_commit_replaces_the_folder_and_hashes_every_file(tmp_path):
    out = tmp_path / "snap"
    out.mkdir()
    (out / "stale.json").write_text("from the previous snapshot")
    with SnapshotWriter(out) as snapshot:
        snapshot.write_bytes("page-0001.json", b'{"studies": []}\n')
        manifest = snapshot.commit({"source": "live"})
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "page-0001.json"]
    expected = hashlib.sha256(b'{"studies": []}\n').hexdigest()
    assert manifest["files"] == {"page-0001.json": expected}
    assert json.loads((out / "manifest.json").read_text())["files"] == manifest["files"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]


def test_an_error_inside_the_block_leaves_the_old_folder(tmp_path):
    out = tmp_path / "snap"
    out.mkdir()
    (out / "keep.json").write_text("old")
    with pytest.raises(RuntimeError), SnapshotWriter(out) as snapshot:
        snapshot.write_bytes("page-0001.json", b"new")
        raise RuntimeError("network went away")
    assert [p.name for p in out.iterdir()] == ["keep.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]


def test_manifest_check_names_the_changed_file(tmp_path):
    out = tmp_path / "snap"
    with SnapshotWriter(out) as snapshot:
        snapshot.write_bytes("efetch-0001.xml", b"<a/>")
        snapshot.commit({"source": "live"})
    (out / "efetch-0001.xml").write_bytes(b"<b/>")
    with pytest.raises(InputError, match=r"efetch-0001\.xml.*sha256"):
        read_manifest(out)
    (out / "efetch-0001.xml").unlink()
    with pytest.raises(InputError, match="missing"):
        read_manifest(out)


def test_manifest_name_is_reserved(tmp_path):
    with SnapshotWriter(tmp_path / "snap") as snapshot, pytest.raises(ValueError):
        snapshot.write_bytes("manifest.json", b"{}")
