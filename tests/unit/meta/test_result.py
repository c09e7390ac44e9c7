"""One result type: JSON round trip, k = 0, schema, and a summary frame equal to statsmodels'."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from trialsynth.errors import InputError, SchemaError
from trialsynth.meta import fit_meta
from trialsynth.meta.result import MetaResult, load_result, validate_result_json


def _fit(bcg: pd.DataFrame, **settings: object) -> MetaResult:
    return fit_meta(bcg, "RR", **settings)  # type: ignore[arg-type]


def test_round_trip_keeps_every_number(bcg: pd.DataFrame) -> None:
    result = _fit(bcg, by="alloc", cumulative_by="year")
    data = result.to_dict()
    validate_result_json(data)
    back = MetaResult.from_dict(json.loads(json.dumps(data)))
    assert back.to_dict() == data
    assert back.estimate == pytest.approx(result.estimate)
    assert back.subgroups is not None and "Q_between" in back.subgroups


def test_empty_result_has_k0_and_validates(tmp_path: Path) -> None:
    settings = {"measure": "SMD", "method": "REML", "test": "adhoc", "pi": "hts", "level": 95.0}
    empty = MetaResult.empty(settings, "no studies in x.csv")
    data = empty.to_dict()
    assert data["k"] == 0 and data["estimate"] is None
    assert data["warnings"] == ["no studies in x.csv"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    loaded = load_result(path)
    assert loaded.k == 0 and math.isnan(loaded.estimate)
    frame = loaded.summary_frame()
    assert list(frame.index) == ["fixed effect", "random effect"]
    assert frame.isna().all().all()


def test_load_result_names_the_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"k": "three", "settings": {}}))
    with pytest.raises(SchemaError, match=r"bad\.json"):
        load_result(path)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="not a JSON object"):
        load_result(path)


def test_from_dict_refuses_unknown_keys() -> None:
    with pytest.raises(InputError, match="unknown key"):
        MetaResult.from_dict({"k": 1, "settings": {}, "estimat": 0.1})


def test_summary_frame_equals_statsmodels_combine_effects(bcg: pd.DataFrame) -> None:
    # DerSimonian-Laird with a z test is statsmodels' method_re="chi2" with use_t=False.
    result = _fit(bcg, method="DL", test="z", pi="normal")
    ours = result.summary_frame()
    yi, vi = np.asarray(result.yi), np.asarray(result.vi)
    theirs = combine_effects(yi, vi, method_re="chi2", use_t=False).summary_frame()
    cols = ["eff", "sd_eff", "ci_low", "ci_upp", "w_fe", "w_re"]
    np.testing.assert_allclose(ours[cols].iloc[: len(yi)], theirs[cols].iloc[: len(yi)], rtol=1e-9)
    for row in ("fixed effect", "random effect"):
        np.testing.assert_allclose(
            ours.loc[row, ["eff", "sd_eff", "ci_low", "ci_upp"]].to_numpy(float),
            theirs.loc[row, ["eff", "sd_eff", "ci_low", "ci_upp"]].to_numpy(float),
            rtol=1e-9,
        )
    assert list(ours.index[: len(yi)]) == result.study
