"""Every comparative analysis of the shipped reviews names the sides its forest plot favours;
single-arm analyses (proportions, the decay model's logit proportions) name none."""

from __future__ import annotations

from pathlib import Path

import pytest
from plotnine import geom_text

from trialsynth.figures.forest import forest_from_files
from trialsynth.meta.result import MetaResult
from trialsynth.protocol import load_protocol

REPO = Path(__file__).parents[3]
REVIEWS = [REPO / "analysis", REPO / "examples" / "psilocybin-depression"]


def _single_arm(spec: dict) -> bool:
    return spec["measure"] == "PLO" or spec.get("kind") == "decay"


@pytest.mark.parametrize("review", REVIEWS, ids=lambda p: p.name)
def test_comparative_analyses_carry_favours_and_single_arm_ones_none(review: Path) -> None:
    analyses = load_protocol(review / "protocol.yaml")["analyses"]
    missing = [a["id"] for a in analyses if not _single_arm(a) and not a.get("favours")]
    assert missing == []
    extra = [a["id"] for a in analyses if _single_arm(a) and a.get("favours")]
    assert extra == []


def _texts(plot: object) -> set[str]:
    return {
        str(label)
        for layer in plot.layers  # type: ignore[attr-defined]
        if isinstance(layer.geom, geom_text)
        for label in layer._data["label"]
    }


def test_the_hazard_ratio_of_relapse_favours_the_continued_drug_on_the_left() -> None:
    specs = {a["id"]: a for a in load_protocol(REVIEWS[0] / "protocol.yaml")["analyses"]}
    spec = specs["maintenance_relapse_hr_stable_remitters"]
    # SUSTAIN-1 stable remitters: HR 0.49 (0.29-0.84) as published, on the log scale.
    result = MetaResult.from_dict(
        {
            "k": 1, "yi": [-0.7133], "vi": [0.0751], "estimate": -0.7133, "ci_lb": -1.2379,
            "ci_ub": -0.1744, "study": ["Daly 2019"],
            "settings": {"measure": "GEN", "label": "log HR", "method": "REML", "test": "knha",
                         "pi": "hts", "level": 95},
        }
    )  # fmt: skip
    drawn = _texts(forest_from_files(result, None, spec))
    left, right = spec["favours"]
    assert left == "Favours esketamine continued" and {left, right} <= drawn
    assert "Favours control" not in drawn and "Favours experimental" not in drawn
