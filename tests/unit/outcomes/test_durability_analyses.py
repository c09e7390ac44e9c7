"""Issue 10 analyses built by the outcomes stage from the coded sheet arms: proportions still
benefiting per horizon window and modality, the decay-model rows, randomised comparisons kept
apart, the maintenance hazard ratio, the median-time table, and every study left out listed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from trialsynth.outcomes.stage import OutcomesRun, extract_outcomes

from .conftest import CODING, CTGOV, EXTRACTION, REPO, SCREENING

PROTOCOL = REPO / "analysis" / "protocol.yaml"
REFERENCE = REPO / "tests" / "reference" / "durability"
CODEBOOK = REPO / "analysis" / "codebook.yaml"


@pytest.fixture(scope="module")
def review() -> OutcomesRun:
    return extract_outcomes(CTGOV, EXTRACTION, PROTOCOL, CODING, SCREENING, None, CODEBOOK)


def _cells(table: pd.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(row) for row in table[list(columns)].itertuples(index=False)]


def test_windows_pool_the_proportion_still_benefiting_by_modality(review: OutcomesRun) -> None:
    early = review.analyses["durability_4_35d"]
    assert sorted(_cells(early, "xi", "ni", "psychotherapy", "horizon_days")) == [
        (3, 7, "yes", 28.0),  # Wilkinson 2017: remission maintained 4 weeks after ketamine + CBT
        (5, 5, "no", 28.0),  # Vande Voort 2016: still responding
        (5, 11, "no", 28.0),  # Shiroma 2014: sustained response preferred over relapse
    ]
    late = review.analyses["durability_6m_plus"].set_index("study_id")
    # Krupitsky 2007: both arms (three sessions 13/26, one session 6/27) combined.
    krupitsky = late.loc["label:Krupitsky 2007 (single vs repeated KPT, heroin)"]
    assert (krupitsky["xi"], krupitsky["ni"]) == (19, 53)
    assert "combined 2 arms" in krupitsky["corrections"]
    assert set(late["source_quality"]) == {"secondary", "abstract_copy"}


def test_the_window_tables_are_the_ones_checked_against_metafor(review: OutcomesRun) -> None:
    for analysis_id in ("durability_4_35d", "durability_6m_plus", "durability_decay"):
        built = review.analyses[analysis_id].reset_index(drop=True)
        stored = pd.read_csv(REFERENCE / f"{analysis_id}.csv")
        numbers = ["horizon_days"] + (
            ["yi", "vi"] if analysis_id == "durability_decay" else ["xi", "ni"]
        )
        assert list(built["study_id"]) == list(stored["study_id"])
        assert list(built["psychotherapy"]) == list(stored["psychotherapy"])
        for column in numbers:
            assert built[column].astype(float).tolist() == pytest.approx(
                stored[column].astype(float).tolist(), rel=1e-12
            ), (analysis_id, column)


def test_decay_rows_are_logit_proportions_per_study_and_horizon(review: OutcomesRun) -> None:
    decay = review.analyses["durability_decay"]
    assert len(decay) == 10 and decay["study_id"].nunique() == 8
    # Vande Voort 2016: 5/5, 0.5 added (metafor escalc PLO, to = "only0").
    row = decay[decay["study_id"].str.contains("Vande Voort")].iloc[0]
    assert row["yi"] == pytest.approx(math.log(5.5 / 0.5))
    assert row["vi"] == pytest.approx(1 / 5.5 + 1 / 0.5)
    assert "zero cell" in row["corrections"]
    # Feder 2025: 180 days from the first infusion - a 14-day course = 166 days after it.
    feder = decay[decay["study_id"] == "NCT04889664"].iloc[0]
    assert feder["horizon_days"] == 166
    assert "course end at day 14" in feder["selection"]


def test_decay_rows_carry_the_sheet_counts_behind_each_logit(review: OutcomesRun) -> None:
    sheet = pd.read_csv(EXTRACTION / "ketamine_durability_outcomes.csv")
    decay = review.analyses["durability_decay"]
    # Vande Voort 2016: sheet row 28, sustained response 5 of 5 at 28 days. The zero-cell
    # addition changes yi and vi (n recovered from them would be 6), never the counts.
    source = sheet[
        sheet["study"].str.startswith("Vande Voort 2016")
        & (sheet["outcome"] == "sustained_response")
    ].iloc[0]
    row = decay[decay["study"].str.startswith("Vande Voort 2016")].iloc[0]
    assert (row["xi"], row["ni"]) == (source["events"], source["arm_n"]) == (5, 5)
    assert 1 / (row["vi"] * _expit(row["yi"]) * (1 - _expit(row["yi"]))) == pytest.approx(6)
    # Daly 2018 (sheet row 60): 23 of 41 still responding 56 days after the last dose.
    daly = decay[decay["study"].str.contains("Daly 2018")].iloc[0]
    assert (daly["xi"], daly["ni"]) == (23, 41)
    assert daly["yi"] == pytest.approx(math.log(23 / 18))
    # Every row: yi is the logit of its own counts (0.5 added only where a cell is 0).
    for _, r in decay.iterrows():
        x, n = float(r["xi"]), float(r["ni"])
        if 0 < x < n:
            assert r["yi"] == pytest.approx(math.log(x / (n - x))), r["study"]
    assert list(decay.columns[:5]) == ["study", "yi", "vi", "xi", "ni"]


def _expit(value: float) -> float:
    return 1 / (1 + math.exp(-value))


def test_relapse_is_turned_into_relapse_free_where_the_benefit_is_asked(tmp_path) -> None:
    import yaml

    protocol = yaml.safe_load(PROTOCOL.read_text(encoding="utf-8"))
    spec = next(a for a in protocol["analyses"] if a["id"] == "durability_1_3m")
    spec.update(outcome="relapse", outcomes_also=[])
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(protocol), encoding="utf-8")
    run = extract_outcomes(CTGOV, EXTRACTION, path, CODING, SCREENING)
    row = run.analyses["durability_1_3m"].iloc[0]
    # Wilkinson 2017: 2 of 8 responders relapsed by 8 weeks -> 6 of 8 relapse-free.
    assert (row["xi"], row["ni"]) == (6, 8)
    assert "relapse-free = n - events = 8 - 2 = 6 of 8" in row["corrections"]


def test_every_study_left_out_is_listed_with_its_reason(review: OutcomesRun) -> None:
    left = review.exclusions[review.exclusions["analysis_id"] == "durability_4_35d"]
    reasons = dict(zip(left["study_id"], left["reason"], strict=True))
    assert reasons["NCT04338321"] == "on_treatment"  # ESCAPE-TRD: esketamine continued
    assert reasons["NCT04889664"] == "horizon_outside_window"  # Feder 2025 at 166 d
    assert reasons["PMID:19288975"] == "no_usable_numbers"  # Mathew 2010: no arm sizes
    assert reasons["NCT02493868"] == "horizon_not_convertible"  # SUSTAIN-1: event-driven
    built = set(review.analyses["durability_4_35d"]["study_id"])
    assert not built & set(reasons)


def test_randomised_comparisons_are_kept_apart(review: OutcomesRun) -> None:
    added = review.analyses["randomised_drug_added_to_therapy_6m"]
    # Dakwar 2019: abstinent at 6 months, ketamine + MBRP 12/27 vs midazolam + MBRP 0/28.
    assert _cells(added, "ai", "bi", "ci", "di") == [(12, 15, 0, 28)]
    therapy = review.analyses["randomised_therapy_added_to_drug"]
    assert _cells(therapy, "study", "measure_label") == [
        ("Wilkinson 2021 (RCT CBT vs TAU after ketamine)", "SMD")
    ]
    assert therapy.iloc[0]["yi"] == 0.65


def test_maintenance_hazard_ratio_reproduces_the_published_numbers(review: OutcomesRun) -> None:
    table = review.analyses["maintenance_relapse_hr_stable_remitters"]
    assert len(table) == 1 and table.iloc[0]["measure_label"] == "log HR"
    yi, se = table.iloc[0]["yi"], math.sqrt(table.iloc[0]["vi"])
    z = 1.959963984540054
    shown = [round(math.exp(v), 2) for v in (yi, yi - z * se, yi + z * se)]
    assert shown == [0.49, 0.29, 0.84]  # SUSTAIN-1 stable remitters, HR 0.49 (0.29-0.84)
    relapse = review.analyses["relapse_maintenance"].iloc[0]
    assert (relapse["ai"], relapse["bi"], relapse["ci"], relapse["di"]) == (24, 66, 39, 47)


def test_median_times_are_tabulated_by_modality(review: OutcomesRun) -> None:
    medians = review.medians
    assert medians is not None
    assert _cells(medians, "psychotherapy", "median_days", "arm_n") == [
        ("no", 18.0, 17),  # Murrough 2013, responders after six infusions
        ("no", 27.5, 10),  # Feder 2021
        ("no", 70.0, 8),  # Diamond 2014
        ("yes", 84.0, 8),  # Wilkinson 2017, ketamine + CBT
    ]


def test_sheet_arms_without_codes_are_coded_from_their_labels(review: OutcomesRun) -> None:
    rows = review.outcomes.set_index("record_id")
    synapse = rows.loc["esketamine_published_arm_level_outcomes.csv:row 24"]
    assert (synapse["drug"], synapse["psychotherapy"]) == ("esketamine", "no")
    assert synapse["arm_codes_from"].startswith("arm coder on 'esketamine 28 mg'")
    transform = rows.loc["esketamine_published_arm_level_outcomes.csv:row 2"]
    assert transform["design"] == "RCT"  # TRANSFORM-1: from the trial's coding.csv row
    assert "study codes from coding.csv NCT02417064" in transform["arm_codes_from"]
    placebo = rows.loc["esketamine_published_arm_level_outcomes.csv:row 23"]
    assert placebo["drug"] == "none"
    curated = rows.loc["ketamine_durability_outcomes.csv:row 16"]
    assert (curated["drug"], curated["arm_codes_from"]) == ("none", "sheet")


def test_acute_response_compares_the_drug_with_placebo_by_drug(review: OutcomesRun) -> None:
    day1 = review.analyses["acute_response_24h"]
    assert _cells(day1, "ai", "bi", "ci", "di", "drug") == [
        (12, 22, 1, 32, "esketamine"),  # SYNAPSE 24 h: 28/56/84 mg combined vs placebo
        (10, 5, 3, 12, "ketamine"),  # Feder 2021: 24 h after six infusions, vs midazolam
    ]
    assert "combined 3 arms" in day1.iloc[0]["corrections"]
    week = review.analyses["acute_response_1w"]
    assert _cells(week, "ai", "bi", "ci", "di") == [(8, 26, 2, 31), (4, 4, 0, 7)]
    left = review.exclusions[review.exclusions["analysis_id"] == "acute_response_24h"]
    reasons = dict(zip(left["study_id"], left["reason"], strict=True))
    # ELEKT-D compares ketamine with ECT, an active treatment, not a placebo.
    assert reasons["NCT03113968"] in {"no_arm_pair", "timepoint_outside_window"}
