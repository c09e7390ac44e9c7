"""Arm roles and outcome titles from the protocol's patterns."""

from __future__ import annotations

import copy

import pytest

from trialsynth.errors import ProtocolError
from trialsynth.outcomes.rules import OutcomeRules, load_outcome_rules
from trialsynth.protocol import load_protocol

from .conftest import PROTOCOL


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("Intranasal Esketamine 56 mg Plus Oral Antidepressant", "experimental"),
        ("Oral AD Plus Intranasal Placebo", "control"),
        ("DB: Placebo", "control"),
        ("Quetiapine Extended Release (XR) + Oral AD", "control"),
        ("racemic ketamine 0.5 mg/kg infusions (thrice weekly)", "experimental"),
    ],
)
def test_arm_roles_from_group_titles(rules: OutcomeRules, title: str, role: str) -> None:
    assert rules.arm_role(title) == role


@pytest.mark.parametrize(
    "title",
    [
        "Group A",  # matches neither list
        "previously relapsed on AD+PBO (open-label esketamine)",  # matches both lists
    ],
)
def test_arm_role_failures_are_not_guessed(rules: OutcomeRules, title: str) -> None:
    assert rules.arm_role(title) is None


def test_description_places_an_arm_the_title_cannot(rules: OutcomeRules) -> None:
    assert rules.arm_role("Group A", "Participants received intranasal placebo") == "control"


def test_outcome_titles(rules: OutcomeRules) -> None:
    assert rules.classify(
        "Percentage of Participants Who Achieved >=50% Reduction From Baseline in MADRS"
    ) == ["response"]
    assert rules.classify("Percentage of Participants With Onset of Clinical Response") == []
    assert rules.classify("Percentage of Participants With Sustained Remission") == []
    assert (
        rules.classify(
            "Percentage of Participants With Both Remission at Week 8 and "
            "Relapse-free Until Week 32"
        )
        == []
    )
    assert rules.data_version("... (Double-blind Induction Phase [Day 28]) (LOCF Data)") == "locf"
    assert rules.data_version("Percentage ... at Day 28 (Observed Data)") == "observed"


def test_bad_pattern_and_unknown_version_are_protocol_errors() -> None:
    protocol = load_protocol(PROTOCOL)
    broken = copy.deepcopy(protocol)
    broken["outcomes"]["arm_roles"]["control"] = ["placebo("]
    with pytest.raises(ProtocolError, match=r"outcomes\.arm_roles\.control.*fix:"):
        load_outcome_rules(broken, PROTOCOL)
    unknown = copy.deepcopy(protocol)
    unknown["outcomes"]["definitions"]["response"]["data_version_preference"] = ["itt"]
    with pytest.raises(ProtocolError, match="unknown version"):
        load_outcome_rules(unknown, PROTOCOL)
