"""Sections computed for the report: certainty rules, claims verdicts, registry gap, exports,
estimator sensitivity (against metafor), methods text and journal rounding."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.errors import InputError
from trialsynth.formatting import format_p
from trialsynth.meta import fit_meta
from trialsynth.meta.result import MetaResult
from trialsynth.report.certainty import (
    draft_certainty,
    optimal_information_size,
    validate_overrides,
)
from trialsynth.report.claims import judge_claim, load_claims, wilson_interval
from trialsynth.report.estimators import estimator_table
from trialsynth.report.exports import pooled_results_frame, pooled_rows, ris_records
from trialsynth.report.methods import methods_paragraphs
from trialsynth.report.registry_gap import registry_gap, sponsor_class

REPO = Path(__file__).resolve().parents[3]
METAFOR = REPO / "tests/reference/metafor"


def _result(**extra: object) -> MetaResult:
    data = {
        "k": 2,
        "estimate": math.log(1.27),
        "ci_lb": math.log(1.02),
        "ci_ub": math.log(1.57),
        "pi_lb": math.log(0.9),
        "pi_ub": math.log(1.8),
        "tau2": 0.0,
        "I2": 0.0,
        "Q": 0.5,
        "Q_df": 1,
        "yi": [0.2, 0.3],
        "vi": [0.02, 0.03],
        "study": ["A", "B"],
        "settings": {"measure": "RR", "method": "REML", "test": "adhoc", "pi": "hts", "level": 95},
    }
    data.update(extra)
    return MetaResult.from_dict(data)


ROWS = [
    {"study": "A", "nct_id": "NCT1", "ai": "60", "bi": "40", "ci": "40", "di": "60",
     "design": "RCT", "drug": "drug A", "comparator": "placebo", "source": "CT.gov results"},
    {"study": "B", "nct_id": "NCT2", "ai": "30", "bi": "20", "ci": "20", "di": "30",
     "design": "RCT", "drug": "drug A", "comparator": "placebo", "source": "CT.gov results"},
]  # fmt: skip


def test_p_values_are_rounded_as_journals_print_them() -> None:
    assert format_p(0.0000123) == "< 0.001"
    assert format_p(0.0381234) == "0.0381"
    assert format_p(0.58123) == "0.581"
    assert format_p(float("nan")) == "—"


def test_optimal_information_size_for_a_25_percent_relative_change() -> None:
    # control risk 20 %, treated 25 %: n per arm = (1.95996 + 0.84162)^2 *
    # (0.25 * 0.75 + 0.2 * 0.8) / 0.05^2 = 1090.99 -> 1091 per arm
    assert optimal_information_size(0.2) == 2182
    # control risk 60 % (above one half): a 25 % relative fall, to 45 %
    assert optimal_information_size(0.6) == 2 * math.ceil(
        2.801585218112969**2 * (0.45 * 0.55 + 0.6 * 0.4) / 0.15**2
    )


def test_certainty_names_each_downgrade_and_reviewer_overrides_win() -> None:
    masking = {"NCT1": "DOUBLE", "NCT2": "DOUBLE"}
    drafted = draft_certainty(_result(), ROWS, masking, analysis_id="a")
    by_name = {d.name: d for d in drafted.domains}
    assert drafted.start == "high"
    assert by_name["risk_of_bias"].levels == 0
    assert by_name["inconsistency"].levels == 0
    # CI excludes 1 but 300 participants are fewer than the OIS at a 40 % control risk
    assert by_name["imprecision"].levels == 1
    assert "300 participants, fewer than the OIS" in by_name["imprecision"].reason
    assert by_name["publication_bias"].reason == "not assessed (k = 2 < 10)"
    assert drafted.rating == "moderate"

    unmasked = draft_certainty(_result(I2=80.0), ROWS, {}, analysis_id="a")
    assert {d.name: d.levels for d in unmasked.downgrades()} == {
        "risk_of_bias": 1,
        "inconsistency": 2,
        "imprecision": 1,
    }
    assert unmasked.rating == "very low"

    override = [{"analysis": "a", "domain": "imprecision", "levels": "0", "reason": "OIS met"}]
    decided = draft_certainty(_result(), ROWS, masking, override, analysis_id="a")
    imprecision = {d.name: d for d in decided.domains}["imprecision"]
    assert (imprecision.levels, imprecision.decided_by) == (0, "reviewer")
    assert decided.rating == "high"


def test_bad_override_names_the_file_and_line() -> None:
    with pytest.raises(InputError, match="unknown domain 'bias'") as info:
        validate_overrides([{"domain": "bias", "levels": "1", "reason": "x"}], "o.csv")
    assert "line 2" in str(info.value)


def test_mixed_comparisons_are_indirect() -> None:
    rows = [dict(ROWS[0]), dict(ROWS[1], drug="drug B")]
    drafted = draft_certainty(_result(), rows, {"NCT1": "DOUBLE", "NCT2": "DOUBLE"})
    indirect = {d.name: d for d in drafted.domains}["indirectness"]
    assert indirect.levels == 1 and "drug: drug A, drug B" in indirect.reason


def test_wilson_interval_matches_statsmodels() -> None:
    from statsmodels.stats.proportion import proportion_confint

    lower, upper = wilson_interval(266, 632)
    expected = proportion_confint(266, 632, method="wilson")
    assert (lower, upper) == pytest.approx(expected, abs=1e-12)


def test_claim_verdicts_follow_the_rules() -> None:
    analyses = {"a": (_result(), ROWS)}
    rates = {"id": "c", "claim": "x", "claimed": "x",
             "test": {"kind": "arm_rates", "analysis": "a",
                      "claimed": {"experimental": [0.6], "control": [0.3, 0.5]}}}  # fmt: skip
    verdict = judge_claim(rates, analyses)
    assert verdict.verdict == "consistent"  # 90/150 = 60 %, 60/150 = 40 %
    assert verdict.observed.startswith("experimental: 90/150 = 60.0% (95% CI")
    rates["test"]["claimed"]["control"] = [0.15, 0.25]
    assert judge_claim(rates, analyses).verdict == "inconsistent"
    effect = {
        "id": "e",
        "claim": "x",
        "claimed": "x",
        "test": {"kind": "pooled_effect", "analysis": "a", "claimed": {"value": 2.0}},
    }
    assert judge_claim(effect, analyses).verdict == "inconsistent"
    effect["test"]["claimed"] = {"range": [1.5, 3.0]}
    assert judge_claim(effect, analyses).verdict == "consistent"
    effect["test"]["analysis"] = "missing"
    missing = judge_claim(effect, analyses)
    assert missing.verdict == "insufficient evidence" and "no analysis 'missing'" in missing.reason
    effect["test"].update(analysis="a", min_k=3)
    assert judge_claim(effect, analyses).verdict == "insufficient evidence"
    untestable = {
        "id": "n",
        "claim": "x",
        "claimed": "x",
        "test": {"kind": "not_testable", "reason": "not a trial outcome"},
    }
    assert judge_claim(untestable, analyses).verdict == "not testable from trials"


def test_registry_counts_are_insufficient_from_a_selected_snapshot() -> None:
    trials = [{"nct_id": "NCT1", "start_date": "2015-01"}, {"nct_id": "NCT2", "start_date": "2013"},
              {"nct_id": "NCT3", "start_date": "2020-03-01"}]  # fmt: skip
    coding = {"NCT1": {"psychotherapy": "yes"}, "NCT3": {"psychotherapy": "no"}}
    claim = {"id": "r", "claim": "x", "claimed": "x",
             "test": {"kind": "registry_count", "start_years": [2014, 2024],
                      "filters": {"psychotherapy": ["yes"]}, "claimed": {"count": 1}}}  # fmt: skip
    selected = judge_claim(claim, {}, trials, coding, complete_search=False)
    assert selected.verdict == "insufficient evidence" and selected.numbers["count"] == 1
    assert judge_claim(claim, {}, trials, coding, complete_search=True).verdict == "consistent"


def test_shipped_claims_file_is_valid_and_lists_every_claim_of_the_issue() -> None:
    claims = load_claims(REPO / "analysis/claims.yaml")
    assert len(claims) == 15
    assert {c["test"]["kind"] for c in claims} == {
        "arm_rates", "pooled_effect", "registry_count", "not_testable"
    }  # fmt: skip


def test_registry_gap_counts_completed_trials_without_results_or_publication() -> None:
    columns = ("nct_id", "overall_status", "completion_date", "has_results", "lead_sponsor")
    trials = [
        dict(zip(columns, row, strict=True))
        for row in (
            ("NCT1", "COMPLETED", "2020-01", "false", "Acme Pharmaceuticals, Inc."),
            ("NCT2", "COMPLETED", "2020-01-15", "true", "Yale University"),
            ("NCT3", "COMPLETED", "2025-06-01", "", "Yale University"),
            ("NCT4", "COMPLETED", "2019-05-01", "", "National Institute of Mental Health (NIMH)"),
            ("NCT5", "COMPLETED", "", "", ""),
            ("NCT6", "TERMINATED", "2015-01", "", ""),
            ("NCT7", "COMPLETED", "2018-01", "false", "Jane Doe"),
        )
    ]
    gap = registry_gap(trials, {"NCT7": True}, date(2025, 11, 10))
    assert [t["nct_id"] for t in gap.trials] == ["NCT1", "NCT4"]
    assert gap.by_sponsor_class() == {"government": 1, "industry": 1}
    assert gap.by_year() == {"2019": 1, "2020": 1}
    assert gap.no_completion_date == ["NCT5"]
    assert gap.completed_checked == 5


def test_sponsor_class_from_the_name() -> None:
    assert sponsor_class("Janssen Research & Development, LLC") == "industry"
    assert sponsor_class("VA Office of Research and Development") == "government"
    assert sponsor_class("Icahn School of Medicine at Mount Sinai") == "academic or other"
    assert sponsor_class("") == "not stated"


def test_pooled_results_have_one_row_per_analysis_and_subgroup() -> None:
    result = _result(
        subgroups={"drug A": {"k": 2, "estimate": 0.2, "ci_lb": 0.0, "ci_ub": 0.4}},
        Q_between=0.0,
        Q_between_df=0,
    )
    frame = pooled_results_frame(pooled_rows({"id": "a", "outcome": "response"}, result))
    assert list(frame["subgroup"]) == ["", "drug A"]
    assert frame.loc[0, "estimate"] == pytest.approx(1.27)
    assert frame.loc[1, "estimate"] == pytest.approx(math.exp(0.2))
    assert frame.loc[0, "method"] == "REML" and frame.loc[0, "test"] == "adhoc"
    single = pooled_rows({"id": "b"}, _result(k=1, yi=[0.2], vi=[0.02], study=["A"]))
    assert single[0]["pi_lb"] is None  # k = 1: no prediction interval


def test_ris_lists_publications_and_unpublished_trials() -> None:
    studies = [{"study_id": "NCT1", "nct_ids": "NCT1", "pmids": "123"},
               {"study_id": "NCT2", "nct_ids": "NCT2", "pmids": ""}]  # fmt: skip
    articles = {"123": {"authors": "Doe J; Roe R", "title": "A trial", "journal": "J", "year": 2020,
                        "doi": "10.1/x"}}  # fmt: skip
    trials = {"NCT2": {"brief_title": "Unpublished <b>trial</b>", "start_date": "2019-02"}}
    text = ris_records(studies, articles, trials)
    assert text.split("\n")[:8] == [
        "TY  - JOUR", "AU  - Doe J", "AU  - Roe R", "TI  - A trial", "JO  - J", "PY  - 2020",
        "AN  - PMID:123", "DO  - 10.1/x",
    ]  # fmt: skip
    unpublished = (
        "TY  - DBASE\nTI  - Unpublished <b>trial</b>\nDB  - ClinicalTrials.gov\nAN  - NCT2"
    )
    assert unpublished in text


def test_estimator_sensitivity_matches_metafor() -> None:
    data = pd.read_csv(METAFOR / "bcg_rr_dl/data.csv")
    settings = {"test": "adhoc", "pi": "hts", "level": 95, "zero_cells": {}}
    table = estimator_table(fit_meta(data, "RR"), settings)
    rows = {(r["method"].split()[0], r["test"]): r for r in table}
    assert len(rows) == 8
    for case, key in (("bcg_rr_dl", ("DL", "z")), ("bcg_rr_reml", ("REML", "z"))):
        expected = json.loads((METAFOR / case / "case.json").read_text())["expected"]
        effect = " [".join(
            [f"{math.exp(expected['estimate']):.2f}",
             f"{math.exp(expected['ci_lb']):.2f}, {math.exp(expected['ci_ub']):.2f}]"]
        )  # fmt: skip
        assert rows[key]["effect"] == effect
        assert rows[key]["tau2"] == f"{expected['tau2']:.3f}"


def test_methods_text_follows_the_protocol_settings() -> None:
    protocol = {"meta": {"method": "DL", "test": "z", "pi": "hts", "level": 90,
                         "zero_cells": {"add": 0.5, "to": "only0", "drop00": True}},
                "sources": {"ctgov": {}}, "analyses": [{"id": "a"}]}  # fmt: skip
    text = " ".join(methods_paragraphs(protocol))
    assert "DerSimonian–Laird" in text and "normal (Wald)" in text and "90% level" in text
    assert "left out and listed" in text and "ClinicalTrials.gov" in text
    default = " ".join(methods_paragraphs({"meta": {"method": "REML", "test": "adhoc"}}))
    assert "REML" in default and "ad hoc" in default and "Q-profile" in default
