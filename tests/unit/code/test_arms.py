"""Arm-level coding: which arm gets the drug of the review and which gets psychotherapy."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialsynth.cli import main
from trialsynth.code import Codebook
from trialsynth.code.accuracy import arm_agreement, read_arm_labels
from trialsynth.code.arms import ARM_COLUMNS, code_arm_label, code_study_arms
from trialsynth.code.stage import run_coding
from trialsynth.code.texts import study_text
from trialsynth.tables import read_table

from .conftest import CODEBOOK, FIXTURES, RECORDS, make_study, real_record


def arms_of(nct_id: str, codebook: Codebook) -> list[tuple[str | None, str, str, str]]:
    st = study_text(real_record(nct_id), nct_id)
    return [
        (a.label, a.drug, a.psychotherapy, a.psychotherapy_type)
        for a in code_study_arms(st, codebook)
    ]


def test_drug_with_and_without_therapy_inside_one_trial(codebook: Codebook) -> None:
    """Drug + training, drug + sham training and saline + training are told apart; the
    training's description mentions the drug, which does not make the saline arm a drug arm."""
    assert arms_of("NCT03237286", codebook) == [
        ("Ketamine + Cognitive Training", "ketamine", "yes", "other"),
        ("Ketamine + Sham Training", "ketamine", "no", "none"),
        ("Saline + Cognitive Training", "none", "yes", "other"),
    ]


def test_both_arms_get_the_therapy_and_only_one_the_drug(codebook: Codebook) -> None:
    assert arms_of("NCT02727998", codebook) == [
        ("Single Infusion of Ketamine With Prolonged Exposure", "ketamine", "yes", "exposure"),
        ("Midazolam With Prolonged Exposure", "none", "yes", "exposure"),
    ]


def test_shared_design_sentence_does_not_give_the_comparator_arm_the_drug(
    codebook: Codebook,
) -> None:
    """Both arms' descriptions say 'randomized to either ketamine or methohexital'."""
    st = study_text(real_record("NCT01309581"), "NCT01309581")
    ketamine, other = code_study_arms(st, codebook)
    assert (ketamine.drug, other.drug) == ("ketamine", "none")
    assert other.evidence_drug == []
    assert "no_interventions_linked" in other.flags


def test_two_drugs_of_the_review_in_one_arm_are_several(codebook: Codebook) -> None:
    study = make_study(
        arms=[{"label": "Switch", "interventionNames": ["Drug: esketamine", "Drug: ketamine"]}],
    )
    (arm,) = code_study_arms(study_text(study, "NCT09999999"), codebook)
    assert (arm.drug, arm.psychotherapy) == ("mixed", "no")
    assert [e.quote for e in arm.evidence_drug] == ["Drug: esketamine", "Drug: ketamine"]


def test_interventions_linked_by_name_give_their_description(codebook: Codebook) -> None:
    """An intervention without armGroupLabels is linked through the arm's interventionNames
    (case and spacing aside); its description names the modality."""
    study = make_study(
        arms=[
            {"label": "A", "interventionNames": ["Drug: Ketamine", "Behavioral: weekly  sessions"]},
            {"label": "B", "interventionNames": ["Drug: Ketamine", "Other: usual care"]},
        ],
        interventions=[
            {"type": "DRUG", "name": "ketamine"},
            {
                "type": "BEHAVIORAL",
                "name": "Weekly sessions",
                "description": "Eight sessions of cognitive behavioural therapy.",
            },
            {"type": "OTHER", "name": "Usual care"},
        ],
    )
    a, b = code_study_arms(study_text(study, "NCT09999999"), codebook)
    assert (a.drug, a.psychotherapy, a.psychotherapy_type) == ("ketamine", "yes", "CBT")
    assert (
        a.evidence_psychotherapy[0].path == "armsInterventionsModule.interventions[1].description"
    )
    assert (b.drug, b.psychotherapy, b.psychotherapy_type) == ("ketamine", "no", "none")


def test_evidence_names_the_field_path(codebook: Codebook) -> None:
    st = study_text(real_record("NCT02062658"), "NCT02062658")
    (arm,) = code_study_arms(st, codebook)
    row = arm.row("NCT02062658", 0)
    assert row["drug"] == "ketamine"
    assert row["evidence_drug"] == 'armsInterventionsModule.interventions[0].name: "Ketamine"'
    assert str(row["evidence_psychotherapy"]).startswith("armsInterventionsModule.")
    assert row["psychotherapy_type"] == "exposure"


def test_therapy_named_only_in_the_summary_is_unclear_for_every_arm(codebook: Codebook) -> None:
    study = make_study(
        summary="Participants receive eight sessions of cognitive behavioral therapy.",
        arms=[
            {"label": "Drug A", "type": "EXPERIMENTAL", "interventionNames": ["Drug: ketamine"]},
            {"label": "Placebo", "type": "PLACEBO_COMPARATOR"},
        ],
        interventions=[{"type": "DRUG", "name": "ketamine", "armGroupLabels": ["Drug A"]}],
    )
    arms = code_study_arms(study_text(study, "NCT09999999"), codebook)
    assert [(a.drug, a.psychotherapy, a.psychotherapy_type) for a in arms] == [
        ("ketamine", "unclear", "CBT"),
        ("none", "unclear", "CBT"),
    ]
    assert all("therapy_not_attributed" in a.flags for a in arms)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ketamine + CBT", ("ketamine", "yes", "CBT")),
        ("ketamine + usual care", ("ketamine", "no", "none")),
        ("esketamine nasal spray with or without CBT", ("esketamine", "unclear", "CBT")),
        ("placebo infusion during anaesthesia", ("none", "no", "none")),
        ("6 infusions + 5 WET sessions", ("none", "yes", "exposure")),
        ("KAP", ("ketamine", "yes", "integration_support")),
        ("ketamine infusions, no psychotherapy", ("ketamine", "no", "none")),
        ("esketamine, the S-enantiomer of ketamine; group therapy", ("esketamine", "yes", "group")),
    ],
)
def test_free_text_arm_label(codebook: Codebook, text: str, expected: tuple[str, str, str]) -> None:
    coded = code_arm_label(text, codebook, path="sheet.csv row 2 arm")
    assert (coded.drug, coded.psychotherapy, coded.psychotherapy_type) == expected
    if coded.evidence_drug:
        assert coded.evidence_drug[0].path == "sheet.csv row 2 arm"


def test_free_text_agreement_with_the_curated_sheet(codebook: Codebook) -> None:
    """The curator's codes of the 84 distinct arm texts of the durability sheet: psychotherapy
    82/84 and its type 76/84 (measured; the misses are a therapy the text calls only "therapy"
    and a modality the curator chose among two named). The drug is often not in the text."""
    counts, _ = arm_agreement(read_arm_labels(FIXTURES / "arm_labels.csv"), codebook)
    assert counts["psychotherapy"] == (82, 84)
    assert counts["psychotherapy_type"] == (76, 84)
    assert counts["drug"] == (69, 84)


def test_cli_writes_arms_table(tmp_path: Path) -> None:
    out, arms = tmp_path / "coding.csv", tmp_path / "arms.csv"
    record = RECORDS / "NCT03237286.json"
    argv = ["code", "--ctgov", str(record), str(RECORDS / "NCT00749203.json")]
    argv += ["--out", str(out), "--arms-out", str(arms), "--codebook", str(CODEBOOK)]
    assert main(argv) == 0
    table = read_table(arms, "arms")
    assert list(table.columns) == list(ARM_COLUMNS)
    assert list(table["nct_id"]) == ["NCT03237286"] * 3
    assert list(table["arm_index"]) == [0, 1, 2]
    assert list(table["arm_type"]) == ["EXPERIMENTAL", "SHAM_COMPARATOR", "PLACEBO_COMPARATOR"]
    assert list(table["psychotherapy"]) == ["yes", "no", "yes"]


def test_arms_are_coded_only_when_asked_for(tmp_path: Path, codebook: Codebook) -> None:
    coded = run_coding([RECORDS / "NCT03237286.json"], codebook, tmp_path / "c.csv")
    assert all(not c.arms for c in coded.values())
    coded = run_coding(
        [RECORDS / "NCT03237286.json"], codebook, tmp_path / "c.csv", arms_out=tmp_path / "a.csv"
    )
    assert any(c.arms for c in coded.values())
