"""Shared by the tests that use the benchmark's snapshot generator: ``bench/synth_snapshot.py``
(not a package) loaded as a module."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def synth_snapshot() -> ModuleType:
    """``bench/synth_snapshot.py``: ``build`` writes a synthetic snapshot, ``rewrite_ctgov``
    changes studies of one as a registry update does."""
    spec = importlib.util.spec_from_file_location(
        "synth_snapshot", REPO / "bench/synth_snapshot.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
