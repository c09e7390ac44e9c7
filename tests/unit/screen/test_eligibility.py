"""Eligibility rules: every branch of the registry and publication rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from study_builders import ELIGIBILITY

from trialsynth.screen.decisions import CODING_FIELDS
from trialsynth.screen.eligibility import (
    Decision,
    PublicationRules,
    check_patterns,
    screen_publication,
    screen_registered,
)
from trialsynth.tables import frame_records, read_table

REGISTRY = ELIGIBILITY["registry"]
RULES = PublicationRules.from_protocol(ELIGIBILITY["publications"])


def _coded(design: str = "RCT", drug: str = "ketamine", condition: str = "TRD") -> dict:
    return {"design": design, "drug": drug, "condition": condition}


@pytest.mark.parametrize(
    ("study_type", "coding", "expected"),
    [
        ("INTERVENTIONAL", _coded(), ("include", None)),
        ("OBSERVATIONAL", _coded(), ("exclude", "not_interventional")),
        (None, _coded(), ("review", "study_type_undetermined")),
        ("EXPANDED_ACCESS", _coded(), ("review", "study_type_undetermined")),
        ("INTERVENTIONAL", None, ("review", "coding_missing")),
        ("INTERVENTIONAL", _coded(design="observational"), ("exclude", "not_interventional")),
        ("INTERVENTIONAL", _coded(drug="none"), ("exclude", "drug_not_in_scope")),
        ("INTERVENTIONAL", _coded(drug=""), ("review", "drug_undetermined")),
        ("INTERVENTIONAL", _coded(condition="chronic_pain"), ("exclude", "condition_out_of_scope")),
        # One label in scope is enough; an unnamed label alone goes to a reviewer.
        ("INTERVENTIONAL", _coded(condition="chronic_pain;PTSD"), ("include", None)),
        ("INTERVENTIONAL", _coded(condition="other"), ("review", "condition_undetermined")),
        (
            "INTERVENTIONAL",
            _coded(condition="chronic_pain;other"),
            ("review", "condition_undetermined"),
        ),
    ],
)
def test_registered_trial_rules(study_type, coding, expected) -> None:
    decision = screen_registered(study_type, coding, REGISTRY)
    assert (decision.decision, decision.reason) == expected


def test_registered_exclusion_detail_names_the_value() -> None:
    decision = screen_registered("INTERVENTIONAL", _coded(drug="none"), REGISTRY)
    assert decision == Decision("exclude", "drug_not_in_scope", "drug: none")


@pytest.mark.parametrize(
    ("types", "text", "mesh", "expected"),
    [
        (["Randomized Controlled Trial"], "Ketamine for depression", [], ("include", None)),
        ([], "A randomized trial of esketamine in PTSD patients", [], ("include", None)),
        (
            ["Review"],
            "Ketamine for depression: a narrative overview",
            [],
            ("exclude", "publication_type"),
        ),
        (
            ["Review", "Randomized Controlled Trial"],
            "Ketamine in depression",
            [],
            ("include", None),
        ),
        (
            ["Letter"],
            "An open-label trial of ketamine in depression",
            [],
            ("review", "publication_type_undetermined"),
        ),
        (
            [],
            "Randomized ketamine in rats with depression-like behaviour",
            [],
            ("exclude", "non_human"),
        ),
        ([], "Randomized ketamine in rats and in patients with depression", [], ("include", None)),
        ([], "Randomized ketamine in mice, depression", ["Humans"], ("include", None)),
        ([], "A randomized trial of lithium in depression", [], ("exclude", "drug_not_in_scope")),
        ([], "Ketamine for depression: case series", [], ("review", "design_undetermined")),
        (
            [],
            "Randomized ketamine for postoperative pain",
            [],
            ("exclude", "condition_out_of_scope"),
        ),
        ([], "Randomized ketamine in volunteers", [], ("review", "condition_undetermined")),
    ],
)
def test_publication_rules(types, text, mesh, expected) -> None:
    decision = screen_publication(types, text, mesh, RULES)
    assert (decision.decision, decision.reason) == expected


def test_publication_inclusion_quotes_its_evidence() -> None:
    decision = screen_publication([], "An open-label trial of Ketamine in PTSD", [], RULES)
    assert decision.detail == "drug 'Ketamine'; design text: 'open-label'; condition 'PTSD'"


def test_invalid_pattern_is_reported_with_its_key() -> None:
    section = {"publications": {"drug_terms": ["ketamine", "(unclosed"], "human_mesh": ["x"]}}
    bad = check_patterns(section)
    assert [(key, pattern) for key, pattern, _ in bad] == [
        ("eligibility.publications.drug_terms[1]", "(unclosed")
    ]


def test_a_trials_decision_needs_only_the_coding_columns_screening_keeps() -> None:
    """``rules_decisions`` keeps ``CODING_FIELDS`` of a coding row: on the real coded trials
    of the link fixture, with and without a drug_not_named flag, the decision from those
    columns is the decision from the whole row."""
    repo = Path(__file__).resolve().parents[3]
    protocol = yaml.safe_load((repo / "analysis/protocol.yaml").read_text(encoding="utf-8"))
    registry = protocol["eligibility"]["registry"]
    rows = frame_records(read_table(repo / "tests/fixtures/link/coding.csv"))
    assert len(rows) > 20 and len(rows[0]) > len(CODING_FIELDS) + 1
    decisions = set()
    for row in rows:
        for flags in (None, "drug_not_named", "other_flag"):
            whole = {**row, "flags": flags}
            kept = {k: v for k, v in whole.items() if k in CODING_FIELDS}
            decision = screen_registered("INTERVENTIONAL", whole, registry)
            assert screen_registered("INTERVENTIONAL", kept, registry) == decision
            decisions.add(decision.decision)
    assert decisions == {"include", "exclude", "review"}
