"""Forest plots follow RevMan / metafor forest.rma conventions; files are byte-identical reruns."""

from __future__ import annotations

import hashlib
import math
import re

import pandas as pd
import pytest
from plotnine import geom_text

from trialsynth.errors import InputError
from trialsynth.figures.forest import draw_forest, forest_layout, format_effect, save_forest
from trialsynth.meta.measures import MEASURES
from trialsynth.meta.result import MetaResult

# metafor 3.8-1, dat.bcg rows 1-3, measure="RR", method="REML" (tests/reference/metafor).
BCG_YI = [-0.889311333920205, -1.58538865720143, -1.34807314829969]
BCG_VI = [0.325584765003961, 0.194581121398144, 0.415367965367965]
BCG = pd.DataFrame(
    {
        "study": ["Aronson 1948", "Ferguson & Simes 1949", "Rosenthal 1960"],
        "study_id": ["S1", "S2", "S3"],
        "ai": ["4", "6", "3"],
        "bi": ["119", "300", "228"],
        "ci": ["11", "29", "11"],
        "di": ["128", "274", "209"],
        "drug": ["drug A", "drug A", "drug B"],
    }
)


def _result(**extra: object) -> MetaResult:
    data = {
        "k": 3,
        "yi": BCG_YI,
        "vi": BCG_VI,
        "estimate": -1.2,
        "ci_lb": -1.8,
        "ci_ub": -0.6,
        "pi_lb": -2.5,
        "pi_ub": 0.1,
        "tau2": 0.313243325980895,
        "tau2_ci_lb": 0.0,
        "tau2_ci_ub": 4.5,
        "I2": 40.0,
        "I2_ci_lb": 0.0,
        "I2_ci_ub": 95.0,
        "Q": 3.2,
        "Q_df": 2,
        "Q_p": 0.2019,
        "stat": -3.1,
        "pval": 0.0901,
        "study": list(BCG["study"]),
        "settings": {"measure": "RR", "method": "REML", "test": "adhoc", "pi": "hts", "level": 95},
    }
    data.update(extra)
    return MetaResult.from_dict(data)


def test_rows_use_wald_intervals_random_effects_weights_and_arm_numbers() -> None:
    layout = forest_layout(_result(), BCG)
    first = layout.studies[0]
    assert first.ci_lb == pytest.approx(BCG_YI[0] - 1.959963984540054 * math.sqrt(BCG_VI[0]))
    weights = [1 / (v + 0.313243325980895) for v in BCG_VI]
    assert [r.weight for r in layout.studies] == pytest.approx(
        [100 * w / sum(weights) for w in weights]
    )
    # events/total per arm, as RevMan prints them
    assert first.cells == ("4", "123", "11", "139")
    assert layout.overall is not None and layout.overall.cells == ("13", "660", "51", "662")
    assert layout.cell_headers == ("Events", "Total", "Events", "Total")


def test_footer_states_heterogeneity_and_the_overall_test() -> None:
    footer = forest_layout(_result(), BCG).footer
    assert footer[0] == (
        "Heterogeneity: τ² = 0.313 [0.000, 4.500]; I² = 40% [0%, 95%]; Q = 3.20, df = 2 (p = 0.202)"
    )
    assert footer[1] == "Test for overall effect: t = -3.10, df = 2 (p = 0.0901)"


def test_subgroups_get_their_own_diamonds_and_the_difference_test() -> None:
    subgroups = {
        "subgroups": {
            "drug A": {"k": 2, "estimate": -1.3, "ci_lb": -2.0, "ci_ub": -0.6, "tau2": 0.1,
                       "I2": 20.0},
            "drug B": {"k": 1, "estimate": -1.35, "ci_lb": -2.6, "ci_ub": -0.1, "tau2": 0.0,
                       "I2": 0.0},
        },
        "Q_between": 0.01,
        "Q_between_df": 1,
        "Q_between_p": 0.92,
    }  # fmt: skip
    layout = forest_layout(_result(**subgroups), BCG, by="drug")
    assert [b.title for b in layout.blocks] == ["drug A", "drug B"]
    assert [len(b.studies) for b in layout.blocks] == [2, 1]
    block_a = layout.blocks[0].pooled
    assert block_a is not None and block_a.label == "Subtotal (k = 2)"
    assert block_a.note == "Heterogeneity: τ² = 0.10; I² = 20%"
    assert layout.blocks[1].pooled is None  # one study: no subtotal diamond
    assert "Test for subgroup differences: Q = 0.01, df = 1 (p = 0.92)" in layout.footer


def test_single_study_pools_nothing_and_says_k_1() -> None:
    single = _result(
        k=1, yi=BCG_YI[:1], vi=BCG_VI[:1], study=["Aronson 1948"], pi_lb=-2.0, pi_ub=0.2
    )
    layout = forest_layout(single, BCG.iloc[:1])
    assert layout.overall is None and layout.prediction is None
    assert layout.footer == [
        "k = 1: a single study; nothing is pooled (no heterogeneity, no prediction interval)."
    ]


def test_labels_favours_and_author_year() -> None:
    layout = forest_layout(
        _result(), BCG, labels={"S1": "Aronson 1948a"}, favours=["Favours drug A", "Favours B"]
    )
    assert layout.studies[0].label == "Aronson 1948a"
    assert layout.studies[1].label == "Ferguson & Simes 1949"
    assert layout.favours == ("Favours drug A", "Favours B")
    assert forest_layout(_result(), BCG).favours == MEASURES["RR"].favours


def test_effects_are_printed_on_the_ratio_scale() -> None:
    assert format_effect(MEASURES["RR"], 0.0, math.log(0.5), math.log(2)) == "1.00 [0.50, 2.00]"
    assert format_effect(MEASURES["SMD"], -0.5, -0.9, -0.1) == "-0.50 [-0.90, -0.10]"
    assert format_effect(MEASURES["PLO"], 0.0, -1.0, 1.0) == "0.50 [0.27, 0.73]"


def test_mismatched_labels_are_an_error() -> None:
    with pytest.raises(InputError, match="3 effects, 3 variances and 2 labels"):
        forest_layout(_result(study=["a", "b"]))


def test_saved_figures_are_byte_identical_with_editable_svg_text(tmp_path) -> None:
    plot = draw_forest(forest_layout(_result(), BCG, title="BCG"))
    digests = []
    for name in ("a.png", "b.png", "a.svg", "b.svg"):
        save_forest(plot, tmp_path / name)
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    assert digests[2] == digests[3]
    png = (tmp_path / "a.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[25] == 2  # IHDR colour type 2: RGB
    # 300 dpi: pHYs chunk holds 11811 pixels per metre
    assert int.from_bytes(png[png.index(b"pHYs") + 4 : png.index(b"pHYs") + 8], "big") == 11811
    svg = (tmp_path / "a.svg").read_text(encoding="utf-8")
    assert re.search(r"<text[^>]*>[^<]*Aronson 1948", svg)  # text stays text, not paths


def test_unsupported_format_is_refused(tmp_path) -> None:
    with pytest.raises(InputError, match="unsupported figure format"):
        save_forest(draw_forest(forest_layout(_result(), BCG)), tmp_path / "plot.gif")


def test_a_forest_of_hundreds_of_studies_is_saved_at_a_lower_resolution(tmp_path) -> None:
    k = 1500
    many = _result(
        k=k,
        yi=[BCG_YI[i % 3] for i in range(k)],
        vi=[BCG_VI[i % 3] for i in range(k)],
        study=[f"Study {i}" for i in range(k)],
    )
    save_forest(draw_forest(forest_layout(many)), tmp_path / "many.png")
    png = (tmp_path / "many.png").read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    # over 300 inches tall: the lowest resolution (figures.save.MIN_PNG_DPI), 3937 pixels/metre
    assert int.from_bytes(png[png.index(b"pHYs") + 4 : png.index(b"pHYs") + 8], "big") == 3937
    assert 30_000 < height < 2**16  # at 300 dpi over 90,000 pixels, beyond matplotlib's limit
    assert width < height / 10


def _texts(plot: object) -> list[str]:
    """Every text label a plotnine forest draws (from its geom_text layers)."""
    return [
        str(label)
        for layer in plot.layers  # type: ignore[attr-defined]
        if isinstance(layer.geom, geom_text)
        for label in layer._data["label"]
    ]


def test_long_labels_end_with_an_ellipsis_inside_the_label_column() -> None:
    from trialsynth.figures.forest import FONT_SIZE, LABEL_WIDTH
    from trialsynth.figures.text_width import text_width

    long_name = "Aronson 1948 (a very long arm description that runs on and on, " * 2 + ")"
    rows = BCG.assign(study=[f"{long_name} [yes, 28 d]", "Ferguson & Simes 1949", "Short"])
    result = _result(study=list(rows["study"]))
    layout = forest_layout(result, rows)
    assert layout.studies[0].label == f"{long_name} [yes, 28 d]"  # the layout keeps it whole
    drawn = _texts(draw_forest(layout))
    first = next(t for t in drawn if t.startswith("Aronson 1948"))
    # Shortened before its row ending, which tells rows of one study apart.
    assert first.endswith("… [yes, 28 d]") and len(first) < len(long_name)
    room = LABEL_WIDTH[1] - 0.05 - 0.1
    assert text_width(first, FONT_SIZE) <= room
    assert "Ferguson & Simes 1949" in drawn and "Short" in drawn


def test_text_width_matches_matplotlib_within_the_margin() -> None:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    from trialsynth.figures.text_width import MARGIN, fit_text, text_width

    label = "Krupitsky & Grinenko 1997 (ketamine psychedelic therapy, alcohol) [yes, 365 d]"
    drawn, _, _ = TextToPath().get_text_width_height_descent(
        label, FontProperties(family="sans-serif", size=7.0), ismath=False
    )
    assert text_width(label, 7.0) == pytest.approx(drawn / 72 * (1 + MARGIN), rel=0.02)
    assert fit_text("Drug A 2001 (a long description of the arm)", 1.0, 7.0) == (
        "Drug A 2001 (a lo…"
    )
    assert fit_text("Drug A 2001", 1.0, 7.0) == "Drug A 2001"


def test_a_long_title_is_wrapped_to_the_figure_width() -> None:
    from trialsynth.figures.forest import FONT_SIZE
    from trialsynth.figures.forest_geometry import column_geometry
    from trialsynth.figures.text_width import text_width

    title = ("Response about one week after the dose, drug A vs placebo " * 4).strip()
    layout = forest_layout(_result(), BCG, title=title)
    lines = [t for t in _texts(draw_forest(layout)) if len(t) > 20 and t in title]
    assert len(lines) >= 2 and " ".join(lines) == title
    width = column_geometry(layout).width
    assert all(text_width(line, FONT_SIZE, bold=True) <= width for line in lines)


def test_a_protocol_entry_without_favours_draws_none() -> None:
    from trialsynth.figures.forest import forest_from_files

    generic = MEASURES["RR"].favours
    with_sides = forest_from_files(
        _result(), BCG, {"id": "a", "favours": ["Favours drug A", "Favours control"]}
    )
    assert {"Favours drug A", "Favours control"} <= set(_texts(with_sides))
    without = _texts(forest_from_files(_result(), BCG, {"id": "a"}))
    assert not set(generic) & set(without)
    # By hand, without a protocol entry, the measure's labels are drawn.
    assert set(generic) <= set(_texts(forest_from_files(_result(), BCG, {"title": "t"})))


def test_a_meta_regression_draws_rows_without_weights_or_diamond() -> None:
    regression = _result(
        estimate=None, ci_lb=None, ci_ub=None, pi_lb=None, pi_ub=None, tau2=None, I2=None,
        Q=None, stat=None, pval=None, QM=2.42, QM_p=0.206, QM_df=3,
        coefficients={"intrcpt": {"estimate": 0.5, "se": 1.0, "ci_lb": -1.5, "ci_ub": 2.5,
                                  "pval": 0.6}},
        settings={"measure": "GEN", "method": "REML", "test": "knha", "pi": "normal",
                  "level": 95, "mods": ["log(horizon_days)"]},
    )  # fmt: skip
    layout = forest_layout(regression, BCG)
    assert layout.overall is None and layout.prediction is None
    assert all(math.isnan(r.weight) for r in layout.studies)
    assert layout.footer == [
        "Meta-regression on log(horizon_days) (k = 3 rows; test of moderators p = 0.206): no "
        "single pooled estimate, so no diamond and no weights; its coefficients and "
        "predictions are in the report."
    ]
    drawn = _texts(draw_forest(layout))
    assert "Weight" not in drawn and not any(t.endswith("%") for t in drawn)
    assert not any(t.startswith("Heterogeneity") for t in drawn)


def test_a_zero_event_arm_prints_0_events_and_counts_in_the_totals() -> None:
    # Dakwar 2019 (secondary source): abstinent 12 of 27 with the drug, 0 of 28 without.
    table = pd.DataFrame(
        {"study": ["Dakwar 2019", "Other"], "ai": [12, "3"], "bi": [15, "7"], "ci": [0, "0"],
         "di": [28, "10"]}
    )  # fmt: skip
    result = _result(k=2, yi=BCG_YI[:2], vi=BCG_VI[:2], study=["Dakwar 2019", "Other"], Q_df=1)
    layout = forest_layout(result, table)
    assert layout.studies[0].cells == ("12", "27", "0", "28")
    assert layout.studies[1].cells == ("3", "10", "0", "10")
    assert layout.overall is not None and layout.overall.cells == ("15", "37", "0", "38")
