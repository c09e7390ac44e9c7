"""Analysis inputs built from the real records, sheets and fixture coding/screening tables."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.errors import SchemaError
from trialsynth.outcomes.analyses import _gate
from trialsynth.outcomes.arm_analyses import ARM_KINDS
from trialsynth.outcomes.cli import register
from trialsynth.outcomes.rows import exclusion
from trialsynth.outcomes.rules import load_outcome_rules
from trialsynth.outcomes.stage import OutcomesRun, extract_outcomes
from trialsynth.protocol import load_protocol
from trialsynth.tables import frame_records, read_table

from .conftest import CODING, CTGOV, EXTRACTION, PROTOCOL, SCREENING


def _row(run: OutcomesRun, analysis: str, study_id: str) -> dict:
    table = run.analyses[analysis]
    return table[table["study_id"] == study_id].iloc[0].to_dict()


def _reasons(run: OutcomesRun, analysis: str) -> dict[str, str]:
    ex = run.exclusions[run.exclusions["analysis_id"] == analysis]
    return dict(zip(ex["study_id"], ex["reason"], strict=True))


def test_response_day28_has_transform_1_2_3_from_posted_results(run: OutcomesRun) -> None:
    table = run.analyses["response_day28"]
    assert list(table.columns[:5]) == ["study", "ai", "bi", "ci", "di"]
    assert set(table["study_id"]) == {
        "NCT02417064",
        "NCT02418585",
        "NCT02422186",
        "NCT02918318",
        "NCT03434041",
    }
    assert (table["source_kind"] == "ctgov_results").all()
    t2 = _row(run, "response_day28", "NCT02418585")
    assert (t2["ai"], t2["bi"], t2["ci"], t2["di"]) == (71, 41, 54, 55)  # 71/112 vs 54/109
    t3 = _row(run, "response_day28", "NCT02422186")
    assert (t3["ai"], t3["bi"], t3["ci"], t3["di"]) == (17, 54, 8, 56)  # 17/71 vs 8/64
    assert t2["drug"] == "esketamine"  # the `by` column


def test_transform1_arms_are_combined_and_the_locf_version_chosen(run: OutcomesRun) -> None:
    t1 = _row(run, "response_day28", "NCT02417064")
    # LOCF endpoint: 56 mg 61/115 + 84 mg 54/113 = 115/228 vs placebo 42/113.
    assert (t1["ai"], t1["bi"], t1["ci"], t1["di"]) == (115, 113, 42, 71)
    assert "combined 2 experimental arms" in t1["corrections"]
    assert "115/228" in t1["corrections"]
    assert "data version locf" in t1["selection"]
    observed = run.outcomes[
        (run.outcomes["nct_id"] == "NCT02417064")
        & (run.outcomes["data_version"] == "observed")
        & (run.outcomes["outcome"] == "response")
    ]
    assert len(observed) == 3
    assert observed["not_used"].str.contains("data version locf preferred over observed").all()


def test_three_dose_trial_is_combined_against_one_placebo(run: OutcomesRun) -> None:
    row = _row(run, "response_day28", "NCT02918318")
    assert (row["ai"], row["ai"] + row["bi"], row["ci"], row["ci"] + row["di"]) == (42, 112, 27, 72)
    assert "time frame 'Day 28'" in row["selection"]  # not Day 22, also inside the window


def test_publication_numbers_are_kept_but_not_used(run: OutcomesRun) -> None:
    pub = run.outcomes[
        (run.outcomes["nct_id"] == "NCT02418585")
        & (run.outcomes["source_kind"] == "publication")
        & (run.outcomes["outcome"] == "response")
    ]
    assert len(pub) == 2
    assert pub["used_in"].isna().all()
    why = dict(zip(pub["group"], pub["not_used"], strict=True))
    # 69.3 % of 114 reproduces; the published 52.0 % of 109 does not (57/109 = 52.3 %).
    assert (
        "source preference: ctgov_results used over publication"
        in why["esketamine (flexible 56/84 mg) + AD"]
    )
    assert "not usable (derived count does not reproduce" in why["AD + placebo"]


def test_relapse_maintenance_is_sustain1_from_the_publication(run: OutcomesRun) -> None:
    table = run.analyses["relapse_maintenance"]
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["ai"], row["bi"], row["ci"], row["di"]) == (24, 66, 39, 47)  # 24/90 vs 39/86
    assert row["source_kind"] == "publication" and row["pmid"] == "31166571"


def test_smd_input_uses_the_handbook_combined_mean_and_sd(run: OutcomesRun) -> None:
    t1 = _row(run, "madrs_change_day28", "NCT02417064")
    assert t1["n1i"] == 209 and t1["n2i"] == 108
    assert t1["m1i"] == pytest.approx(-18.906220, abs=1e-6)
    assert t1["sd1i"] == pytest.approx(13.949144, abs=1e-6)
    assert (t1["m2i"], t1["sd2i"]) == (-14.8, 15.07)


def test_every_left_out_study_has_a_reason(run: OutcomesRun) -> None:
    reasons = _reasons(run, "response_day28")
    assert reasons["NCT04338321"] == "filter_comparator"  # ESCAPE-TRD: quetiapine comparator
    assert reasons["NCT02094898"] == "screening"
    assert reasons["NCT04599855"] == "no_outcome"
    # ELEKT-D: the abstract sheet ties PMID 37224232 to its registry record.
    assert reasons["NCT03113968"] == "not_screened"
    assert run.counts["derivations_failed"] > 0


def test_empty_analysis_is_header_only_with_exclusions(run: OutcomesRun) -> None:
    assert run.analyses["abstinence_week5"].empty
    reasons = _reasons(run, "abstinence_week5")
    assert reasons["NCT02418585"] == "no_outcome"


def test_unplaced_arm_is_reported_not_guessed(tmp_path: Path) -> None:
    page = json.loads((CTGOV / "page-0001.json").read_text(encoding="utf-8"))
    for study in page["studies"]:
        if study["protocolSection"]["identificationModule"]["nctId"] == "NCT02418585":
            for measure in study["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]:
                for group in measure["groups"]:
                    if group["id"] == "OG001":
                        group["title"] = "Group B"
                        group.pop("description", None)
    raw = tmp_path / "ctgov"
    raw.mkdir()
    (raw / "page-0001.json").write_text(json.dumps(page), encoding="utf-8")
    run = extract_outcomes(raw, EXTRACTION, PROTOCOL, CODING, SCREENING)
    assert "NCT02418585" not in set(run.analyses["response_day28"]["study_id"])
    ex = run.exclusions[
        (run.exclusions["analysis_id"] == "response_day28")
        & (run.exclusions["study_id"] == "NCT02418585")
    ].iloc[0]
    assert ex["reason"] == "arm_role_unplaced"
    assert "Group B" in ex["detail"]


def test_without_screening_the_gate_is_skipped(tmp_path: Path) -> None:
    run = extract_outcomes(CTGOV, EXTRACTION, PROTOCOL, CODING, None)
    assert "not_screened" not in set(run.exclusions["reason"])
    assert len(run.analyses["response_day28"]) == 5


def _outcomes_command(
    out: Path,
    sheets: Path = EXTRACTION,
    screening: Path | None = None,
    labels: Path | None = None,
) -> int:
    """Parse and run ``trialsynth outcomes`` on the fixture inputs, writing below ``out``, with
    only this stage registered (so a broken module of another stage cannot fail these tests)."""
    parser = argparse.ArgumentParser(prog="trialsynth")
    register(parser.add_subparsers(dest="command", required=True))
    inputs = {"ctgov-raw": CTGOV, "extraction-dir": sheets, "protocol": PROTOCOL, "coding": CODING}
    if screening is not None:
        inputs["screening"] = screening
    if labels is not None:
        inputs["labels"] = labels
    outputs = {
        "out": out / "outcomes.csv",
        "analyses-dir": out / "analyses",
        "exclusions": out / "outcome_exclusions.csv",
    }
    argv = ["outcomes"]
    for option, path in {**inputs, **outputs}.items():
        argv += [f"--{option}", str(path)]
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_writes_every_analysis(tmp_path: Path) -> None:
    out = tmp_path / "processed"
    status = _outcomes_command(out, screening=SCREENING)
    assert status == 0
    written = sorted(p.name for p in (out / "analyses").iterdir())
    assert written == [
        "abstinence_week5.csv",
        "madrs_change_day28.csv",
        "relapse_maintenance.csv",
        "remission_day28.csv",
        "response_day28.csv",
    ]
    empty = pd.read_csv(out / "analyses" / "abstinence_week5.csv")
    assert empty.empty and list(empty.columns[:5]) == ["study", "ai", "bi", "ci", "di"]
    response = pd.read_csv(out / "analyses" / "response_day28.csv", dtype={"ai": "Int64"})
    assert response.loc[response["study_id"] == "NCT02418585", "ai"].item() == 71
    text = (out / "outcomes.csv").read_text(encoding="utf-8")
    assert ",71," in text and ",71.0," not in text


def test_each_analysis_row_carries_its_study_label(tmp_path: Path) -> None:
    """The author-year label of study_labels.csv travels with the data (metafor's ``slab``) in
    the column after study_id, so the figures need not read study_labels.csv; a study that
    the labels do not hold (not in studies.csv) keeps an empty cell."""
    labels = tmp_path / "study_labels.csv"
    labels.write_text("study_id,label\nNCT02418585,Author 2019\nNCT99999999,Nobody 2020\n")
    out = tmp_path / "processed"
    assert _outcomes_command(out, screening=SCREENING, labels=labels) == 0
    response = pd.read_csv(out / "analyses" / "response_day28.csv", keep_default_na=False)
    columns = list(response.columns)
    assert columns[columns.index("study_id") + 1] == "study_label"
    by_study = dict(zip(response["study_id"], response["study_label"], strict=True))
    assert by_study.pop("NCT02418585") == "Author 2019"
    assert by_study and set(by_study.values()) == {""}
    empty = pd.read_csv(out / "analyses" / "abstinence_week5.csv")
    assert "study_label" in empty.columns


def test_cli_bad_sheet_fails_without_writing(tmp_path: Path) -> None:
    sheets = tmp_path / "extraction"
    shutil.copytree(EXTRACTION, sheets)
    bad = sheets / "ketamine_abstract_outcomes.csv"
    bad.write_text(bad.read_text(encoding="utf-8").replace(",48.2,", ",48.2%,", 1), "utf-8")
    out = tmp_path / "processed"
    with pytest.raises(SchemaError) as info:
        _outcomes_command(out, sheets)
    assert info.value.exit_code == 2
    assert "ketamine_abstract_outcomes.csv: row 12: column 'percent'" in str(info.value)
    assert not out.exists()


def test_a_study_missing_from_screening_is_pooled_only_when_the_protocol_says_so(
    tmp_path: Path,
) -> None:
    """A study with no screening row is known only from the sheets and posted results: left out
    as not_screened by default, pooled with ``outcomes.sheet_only_studies: include`` (a review
    built on a dataset screened elsewhere). A screened-out study stays out either way."""
    lines = SCREENING.read_text(encoding="utf-8").splitlines(keepends=True)
    screening = tmp_path / "screening.csv"
    screening.write_text(
        "".join(line for line in lines if not line.startswith("NCT02417064,")), encoding="utf-8"
    )
    default = extract_outcomes(CTGOV, EXTRACTION, PROTOCOL, CODING, screening)
    left_out = default.exclusions[
        (default.exclusions["study_id"] == "NCT02417064")
        & (default.exclusions["analysis_id"] == "response_day28")
    ]
    assert list(left_out["reason"]) == ["not_screened"]
    assert "NCT02417064" not in set(default.analyses["response_day28"]["study_id"])

    text = PROTOCOL.read_text(encoding="utf-8")
    assert "\noutcomes:\n" in text
    protocol = tmp_path / "protocol.yaml"
    protocol.write_text(
        text.replace("\noutcomes:\n", "\noutcomes:\n  sheet_only_studies: include\n"),
        encoding="utf-8",
    )
    included = extract_outcomes(CTGOV, EXTRACTION, protocol, CODING, screening)
    assert "NCT02417064" in set(included.analyses["response_day28"]["study_id"])
    assert "not_screened" not in set(included.exclusions["reason"])
    assert len(included.analyses["response_day28"]) == len(default.analyses["response_day28"]) + 1


def test_a_study_without_records_is_left_out_once_with_its_first_study_level_reason(
    run: OutcomesRun,
) -> None:
    """The short path for studies with no record of an analysis' outcome (most of a registry):
    on the real fixture records, each such study has one exclusion row, with the first reason
    of ``_gate`` (screening, coding, filters) or ``no_outcome``, and no PMID or source kind."""
    coding = {str(r["nct_id"]): r for r in frame_records(read_table(CODING))}
    screening = {str(r["study_id"]): r for r in frame_records(read_table(SCREENING))}
    rules = load_outcome_rules(load_protocol(PROTOCOL), PROTOCOL)
    exclusions = frame_records(run.exclusions)
    with_records = {
        (str(r["study_id"]), spec["outcome"])
        for r in frame_records(run.outcomes)
        for spec in run.specs
        if r["outcome"] == spec["outcome"]
    }
    checked = 0
    for spec in run.specs:
        if spec.get("kind", "contrast") in ARM_KINDS or spec.get("match"):
            continue
        rows = {str(e["study_id"]): e for e in exclusions if e["analysis_id"] == spec["id"]}
        assert len(rows) == sum(e["analysis_id"] == spec["id"] for e in exclusions)
        for study_id in sorted(set(coding) | set(screening)):
            if (study_id, spec["outcome"]) in with_records:
                continue
            nct = study_id if study_id.startswith("NCT") else None
            reason, detail = _gate(
                spec, study_id, nct, coding, screening, rules.include_sheet_only
            ) or ("no_outcome", f"no {spec['outcome']} record (posted or curated)")
            assert rows[study_id] == exclusion(
                spec["id"],
                reason,
                detail,
                study_id=study_id,
                nct_id=nct,
                outcome=spec["outcome"],
            )
            checked += 1
    assert checked > 10
