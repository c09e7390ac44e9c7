"""Round ticks, the PRISMA 2020 boxes, and when leave-one-out and funnel plots are drawn."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from trialsynth.cli import main
from trialsynth.errors import InputError
from trialsynth.figures.prisma_flow import flow_boxes
from trialsynth.figures.sensitivity import (
    draw_leave_one_out,
    funnel_reason,
    gosh_reason,
    leave_one_out_reason,
)
from trialsynth.figures.ticks import effect_ticks
from trialsynth.meta.measures import MEASURES
from trialsynth.meta.result import MetaResult

PRISMA = {
    "identified": {"ctgov": 46, "pubmed": 23},
    "duplicates_removed": 2,
    "removed_other_reasons": 1,
    "removed_other_by_reason": {"book record": 1},
    "records_screened": 66,
    "studies_screened": 60,
    "excluded": 3,
    "excluded_records": 4,
    "excluded_by_reason": {"not_interventional": 2, "out_of_scope_condition": 1},
    "awaiting_review": 2,
    "awaiting_review_by_reason": {"design_undetermined": 2},
    "studies_included": 55,
    "reports_of_included_studies": 61,
}


def test_ratio_ticks_are_round_and_symmetric() -> None:
    ticks, labels = effect_ticks(MEASURES["RR"], math.log(0.7), math.log(1.8))
    assert labels == ["0.5", "0.7", "1", "1.5", "2"]
    assert ticks[2] == pytest.approx(0.0)
    _, labels = effect_ticks(MEASURES["OR"], math.log(0.3), math.log(4.2))
    assert labels == ["0.2", "0.5", "1", "2", "5"]


def test_linear_ticks_cover_the_range_with_round_steps() -> None:
    _, labels = effect_ticks(MEASURES["SMD"], -0.79, 0.33)
    assert labels == ["-1", "-0.5", "0", "0.5"]
    _, labels = effect_ticks(MEASURES["MD"], -7.3, 2.1)
    assert labels == ["-7.5", "-5", "-2.5", "0", "2.5"]


def test_prisma_boxes_follow_the_2020_template_order() -> None:
    boxes = flow_boxes(PRISMA)
    assert [(b.phase, b.column) for b in boxes] == [
        ("Identification", 0),
        ("Identification", 1),
        ("Screening", 0),
        ("Screening", 1),
        ("Screening", 1),
        ("Included", 0),
    ]
    identified = boxes[0].lines
    assert identified.index("Databases:") < identified.index("Registers:")
    assert "  PubMed (n = 23)" in identified and "  ClinicalTrials.gov (n = 46)" in identified
    assert "  Duplicate records (n = 2)" in boxes[1].lines
    assert "  book record (n = 1)" in boxes[1].lines
    assert boxes[3].lines[0] == "Studies excluded (n = 3; records n = 4), with reasons:"
    assert "  not interventional (n = 2)" in boxes[3].lines
    assert boxes[5].lines == (
        "Studies included in review (n = 55)",
        "Reports of included studies (n = 61)",
    )


def test_prisma_counts_missing_a_box_are_an_error() -> None:
    broken = {k: v for k, v in PRISMA.items() if k != "awaiting_review"}
    with pytest.raises(InputError, match="lacks awaiting_review"):
        flow_boxes(broken)


def _result(k: int) -> MetaResult:
    return MetaResult.from_dict(
        {
            "k": k,
            "yi": [0.1 * i for i in range(k)],
            "vi": [0.04 + 0.01 * i for i in range(k)],
            "study": [f"S{i}" for i in range(k)],
            "estimate": 0.2,
            "ci_lb": 0.0,
            "ci_ub": 0.4,
            "leave1out": {
                "estimate": [0.2] * k,
                "ci_lb": [0.0] * k,
                "ci_ub": [0.4] * k,
            },
            "settings": {
                "measure": "SMD",
                "method": "REML",
                "test": "adhoc",
                "pi": "hts",
                "level": 95,
            },
        }
    )


def test_sensitivity_figures_need_enough_studies() -> None:
    assert leave_one_out_reason(_result(2)) is not None
    assert leave_one_out_reason(_result(3)) is None
    assert "at least 10 studies" in (funnel_reason(_result(9)) or "")
    assert funnel_reason(_result(10)) is None
    assert "6 to 20 studies" in (gosh_reason(_result(5)) or "")
    assert gosh_reason(_result(6)) is None and gosh_reason(_result(20)) is None
    assert gosh_reason(_result(21)) is not None


def test_leave_one_out_rows_fill_the_panel() -> None:
    """The panel spans the band (half a row beyond the first and last study) and no more."""
    figure = draw_leave_one_out(_result(40)).draw()
    try:
        assert figure.axes[0].get_ylim() == pytest.approx((0.4, 40.6))
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)


def _sensitivity_figures(tmp_path: Path, k: int) -> tuple[Path, dict]:
    """Run ``trialsynth figures sensitivity`` on a result of ``k`` studies: the figure folder
    and its index."""
    result = tmp_path / "a.json"
    result.write_text(json.dumps(_result(k).to_dict()))
    out = tmp_path / "figs"
    assert main(["figures", "sensitivity", "--result", str(result), "--out-dir", str(out)]) == 0
    return out, json.loads((out / "index.json").read_text())


def test_sensitivity_figures_command_draws_what_the_analysis_supports(tmp_path: Path) -> None:
    out, index = _sensitivity_figures(tmp_path, 4)
    assert index["leave1out"] == {"files": ["leave1out.png", "leave1out.svg"]}
    assert "k = 4" in index["funnel"]["reason"]
    assert (out / "leave1out.png").read_bytes()[:4] == b"\x89PNG"
    assert not (out / "funnel.png").exists()
    assert "k = 4" in index["gosh"]["reason"]


def test_gosh_plot_is_drawn_for_six_to_twenty_studies(tmp_path: Path) -> None:
    out, index = _sensitivity_figures(tmp_path, 7)
    assert index["gosh"] == {"files": ["gosh.png", "gosh.svg"]}
    assert "127 subsets of 7 studies" in (out / "gosh.svg").read_text(encoding="utf-8")


def test_prisma_flow_command_writes_png_and_svg(tmp_path: Path) -> None:
    prisma = tmp_path / "prisma.json"
    prisma.write_text(json.dumps(PRISMA))
    png, svg = tmp_path / "flow.png", tmp_path / "flow.svg"
    assert main(["figures", "prisma", "--prisma", str(prisma), "--out", str(png), str(svg)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "Records screened (n = 66)" in svg.read_text(encoding="utf-8")


def test_a_meta_regression_gets_no_pooled_sensitivity_figures(tmp_path: Path) -> None:
    regression = _result(10).to_dict()
    del regression["leave1out"]
    regression.update(
        estimate=None, ci_lb=None, ci_ub=None, QM=2.42, QM_df=[3, 4],
        QM_p=0.206, coefficients={"intrcpt": {"estimate": 1.27, "se": 5.37, "ci_lb": -13.6,
                                              "ci_ub": 16.2, "pval": 0.825}},
    )  # fmt: skip
    path = tmp_path / "decay.json"
    path.write_text(json.dumps(regression))
    out = tmp_path / "figs"
    assert main(["figures", "sensitivity", "--result", str(path), "--out-dir", str(out)]) == 0
    index = json.loads((out / "index.json").read_text())
    for name in ("leave1out", "funnel", "gosh"):
        assert index[name]["reason"].startswith("k = 10 rows of a meta-regression"), name
    assert not list(out.glob("*.png"))


def test_leave_one_out_labels_fit_and_intervals_stop_at_the_axis() -> None:
    from trialsynth.figures.sensitivity import AXIS_TEXT_SIZE, LABEL_ROOM, draw_leave_one_out
    from trialsynth.figures.text_width import text_width

    result = _result(3).to_dict()
    result["settings"]["measure"] = "PLO"  # logit proportions: the axis ends at 0.99
    result["leave1out"]["ci_ub"] = [0.4, 0.4, 8.0]  # 1.00 on the proportion scale
    long_name = "Krupitsky & Grinenko 1997 (ketamine psychedelic therapy, alcohol)"
    plot = draw_leave_one_out(MetaResult.from_dict(result), ["S0", "S1", long_name])
    frame = plot.data
    assert frame["omitted"].iloc[2].endswith("…")
    assert text_width(frame["omitted"].iloc[2], AXIS_TEXT_SIZE) <= LABEL_ROOM
    assert frame["ci_ub"].max() == pytest.approx(math.log(0.99 / 0.01))  # stops at the axis
    assert frame["text"].iloc[2] == "0.55 [0.50, 1.00]"  # the printed interval is the real one
