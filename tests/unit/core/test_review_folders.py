"""Every review folder under examples/ is complete and valid as shipped: the protocol and the
codebook load, the override files have their headers, every extraction sheet passes its
schema, and the empty snapshot's manifests list the files beside them with their sha256."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from trialsynth.code.codebook import load_codebook
from trialsynth.outcomes.extraction import load_extraction_dir
from trialsynth.protocol import load_protocol

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
REVIEWS = sorted(p for p in EXAMPLES.iterdir() if (p / "protocol.yaml").is_file())


def test_both_examples_are_found() -> None:
    assert [p.name for p in REVIEWS] == ["psilocybin-depression", "template"]


@pytest.mark.parametrize("review", REVIEWS, ids=lambda p: p.name)
def test_review_folder_is_valid(review: Path) -> None:
    protocol = load_protocol(review / "protocol.yaml")
    assert protocol["analyses"]
    load_codebook(review / "codebook.yaml")
    assert (review / "coding_overrides.csv").read_text().splitlines()[0] == (
        "nct_id,field,value,reason"
    )
    assert (review / "screening_overrides.csv").read_text().splitlines()[0] == (
        "study_id,decision,reason,note"
    )
    assert load_extraction_dir(review / "extraction")
    for source in ("ctgov", "pubmed"):
        folder = review / "data" / "raw" / source
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["counts"] == {"expected": 0, "received": 0}
        for name, digest in manifest["files"].items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
