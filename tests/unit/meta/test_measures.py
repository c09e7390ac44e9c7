"""The measure registry: MD equals metafor, GEN labels back-transform, one list of names."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.errors import InputError
from trialsynth.meta import fit_meta
from trialsynth.meta.measures import MEASURE_NAMES, MEASURES, get_measure, measure_for
from trialsynth.meta.result import MetaResult

ROOT = Path(__file__).parents[3]
REFERENCE = json.loads((ROOT / "tests/reference/meta_core/reference.json").read_text())


def test_mean_difference_equals_metafor() -> None:
    ref = REFERENCE["md"]
    result = fit_meta(pd.DataFrame(ref["data"]), "MD", method="REML", test="adhoc")
    assert result.yi == pytest.approx(ref["yi"], rel=1e-10)
    assert result.vi == pytest.approx(ref["vi"], rel=1e-10)
    for key in ("estimate", "se", "ci_lb", "ci_ub", "tau2"):
        assert getattr(result, key) == pytest.approx(ref[key], rel=1e-6), key
    assert result.mantel_haenszel is None


def test_gen_label_log_hr_is_shown_as_hr(tmp_path: Path) -> None:
    data = pd.DataFrame(
        {
            "study": ["a", "b", "c"],
            "yi": [math.log(0.5), math.log(0.7), math.log(0.6)],
            "vi": [0.04, 0.05, 0.03],
            "measure_label": ["log HR"] * 3,
        }
    )
    result = fit_meta(data, "GEN")
    assert result.settings["label"] == "log HR"
    back = MetaResult.from_dict(result.to_dict())
    shown = back.effect_measure()
    assert shown.short == "HR" and shown.log_scale and shown.null == 0.0
    assert shown.format_effect(math.log(0.5), math.log(0.25), 0.0) == "0.50 [0.25, 1.00]"


def test_gen_labels_must_agree_naming_the_row() -> None:
    data = pd.DataFrame({"yi": [0.1, 0.2], "vi": [0.01, 0.02], "measure_label": ["log HR", "SMD"]})
    with pytest.raises(InputError, match="row 2"):
        fit_meta(data, "GEN")


def test_gen_without_log_label_is_shown_as_is() -> None:
    smd = measure_for("GEN", "SMD")
    assert smd.short == "SMD" and not smd.log_scale
    assert smd.format_effect(-0.5, -0.9, -0.1) == "-0.50 [-0.90, -0.10]"
    assert measure_for("GEN") is MEASURES["GEN"]


def test_registry_flags() -> None:
    assert [m for m in MEASURE_NAMES if MEASURES[m].mantel_haenszel] == ["RR", "OR", "RD"]
    assert [m for m in MEASURE_NAMES if MEASURES[m].log_scale] == ["RR", "OR"]
    assert MEASURES["PLO"].null is None
    assert MEASURES["PLO"].back_transform(MEASURES["PLO"].transform(0.3)) == pytest.approx(0.3)
    with pytest.raises(InputError, match="use one of RR, OR, RD, MD, SMD, PLO, GEN"):
        get_measure("HR")


def test_protocol_schema_offers_exactly_the_registry() -> None:
    schema = (ROOT / "src/trialsynth/schemas/protocol.schema.json").read_text()
    found = [
        node["enum"]
        for node in _walk(json.loads(schema))
        if isinstance(node, dict) and "enum" in node and "GEN" in node["enum"]
    ]
    assert found == [list(MEASURE_NAMES)]


def _walk(node: object):  # type: ignore[no-untyped-def]
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_reported_effects_give_the_gen_label_that_back_transforms() -> None:
    from trialsynth.meta.measures import RATIO_EFFECTS, gen_label

    assert {"RR", "OR", "HR"} == RATIO_EFFECTS
    assert gen_label("HR") == "log HR" and gen_label("SMD") == "SMD"
    assert measure_for("GEN", gen_label("HR")).back_transform(0.0) == 1.0
    with pytest.raises(InputError, match="unknown reported effect"):
        gen_label("NNT")


def test_the_registry_loads_without_the_engine() -> None:
    import subprocess
    import sys

    code = (
        "import sys, trialsynth.meta.measures, trialsynth.meta as m; "
        "assert 'trialsynth.meta.fit' not in sys.modules; "
        "assert sorted(m.__all__) == sorted(m._EXPORTS); "
        "assert m.fit_meta.__module__ == 'trialsynth.meta.fit'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
