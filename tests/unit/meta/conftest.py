"""Shared fixtures of the meta-analysis unit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from trialsynth.meta.effect_sizes import EffectSizes, compute_effect_sizes

FIXTURES = Path(__file__).parents[2] / "fixtures" / "meta"
REFERENCE = Path(__file__).parents[2] / "reference" / "metafor"


@pytest.fixture(scope="session")
def extra() -> dict[str, Any]:
    """metafor 3.8-1 values made by ``tests/fixtures/meta/make_extra_reference.R``."""
    return json.loads((FIXTURES / "extra_reference.json").read_text())


@pytest.fixture(scope="session")
def bcg(extra: dict[str, Any]) -> pd.DataFrame:
    """BCG vaccine trials (metafor ``dat.bcg``) with moderators."""
    return pd.DataFrame(extra["bcg"])


@pytest.fixture(scope="session")
def bcg_rr(bcg: pd.DataFrame) -> EffectSizes:
    """Log risk ratios of the BCG trials (metafor ``escalc("RR")``), studies labelled 0..12."""
    return compute_effect_sizes(bcg, "RR", [str(i) for i in range(len(bcg))])
