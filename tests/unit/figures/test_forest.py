"""Forest-plot rows follow metafor's forest.rma conventions; files are byte-identical reruns."""

from __future__ import annotations

import hashlib
import math

import pytest

from trialsynth.errors import InputError
from trialsynth.figures.forest import draw_forest, forest_rows, format_effect, save_forest
from trialsynth.meta.measures import MEASURES
from trialsynth.meta.result import MetaResult

# metafor 3.8-1, dat.bcg, measure="RR", method="REML" (tests/reference/metafor/bcg_rr_reml).
BCG_YI = [-0.889311333920205, -1.58538865720143, -1.34807314829969]
BCG_VI = [0.325584765003961, 0.194581121398144, 0.415367965367965]
RESULT = MetaResult.from_dict(
    {
        "k": 3,
        "yi": BCG_YI,
        "vi": BCG_VI,
        "estimate": -1.2,
        "ci_lb": -1.8,
        "ci_ub": -0.6,
        "pi_lb": -2.5,
        "pi_ub": 0.1,
        "tau2": 0.313243325980895,
        "I2": 40.0,
        "study": ["Aronson 1948", "Ferguson & Simes 1949", "Rosenthal 1960"],
        "settings": {"measure": "RR", "method": "REML", "test": "adhoc", "pi": "hts", "level": 95},
    }
)


def test_rows_use_wald_intervals_and_random_effects_weights() -> None:
    rows = forest_rows(RESULT)
    first = rows.studies.iloc[0]
    assert first["ci_lb"] == pytest.approx(BCG_YI[0] - 1.959963984540054 * math.sqrt(BCG_VI[0]))
    weights = [1 / (v + RESULT.tau2) for v in BCG_VI]
    assert list(rows.studies["weight"]) == pytest.approx([100 * w / sum(weights) for w in weights])
    assert rows.studies["weight"].sum() == pytest.approx(100)


def test_effects_are_printed_on_the_ratio_scale() -> None:
    assert format_effect(MEASURES["RR"], 0.0, math.log(0.5), math.log(2)) == "1.00 [0.50, 2.00]"
    assert format_effect(MEASURES["SMD"], -0.5, -0.9, -0.1) == "-0.50 [-0.90, -0.10]"
    assert format_effect(MEASURES["PLO"], 0.0, -1.0, 1.0) == "0.50 [0.27, 0.73]"


def test_mismatched_labels_are_an_error() -> None:
    with pytest.raises(InputError, match="3 effects, 3 variances and 2 labels"):
        forest_rows(RESULT, labels=["a", "b"])


def test_saved_figures_are_byte_identical_across_runs(tmp_path) -> None:
    plot = draw_forest(forest_rows(RESULT), title="BCG")
    digests = []
    for name in ("a.png", "b.png", "a.svg", "b.svg"):
        save_forest(plot, tmp_path / name)
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    assert digests[2] == digests[3]
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unsupported_format_is_refused(tmp_path) -> None:
    with pytest.raises(InputError, match="unsupported figure format"):
        save_forest(draw_forest(forest_rows(RESULT)), tmp_path / "plot.gif")


def test_a_forest_of_hundreds_of_studies_is_saved_at_a_lower_resolution(tmp_path) -> None:
    k = 1500
    many = MetaResult.from_dict(
        {
            **RESULT.to_dict(),
            "k": k,
            "yi": [BCG_YI[i % 3] for i in range(k)],
            "vi": [BCG_VI[i % 3] for i in range(k)],
            "study": [f"Study {i}" for i in range(k)],
        }
    )
    plot = draw_forest(forest_rows(many), title="many")
    save_forest(plot, tmp_path / "many.png")
    header = (tmp_path / "many.png").read_bytes()[16:24]  # IHDR width, height
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
    assert 50_000 < height <= 60_000  # 2**16 is matplotlib's limit; 150 dpi would exceed it
    assert width < 1350  # 9 inches below 150 dpi
