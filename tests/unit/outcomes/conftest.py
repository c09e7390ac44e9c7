"""Shared fixtures of the outcomes-stage tests: real CT.gov records and the shipped sheets."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialsynth.outcomes.rules import OutcomeRules, load_outcome_rules
from trialsynth.outcomes.stage import OutcomesRun, extract_outcomes
from trialsynth.protocol import load_protocol

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "outcomes"
CTGOV = FIXTURES / "ctgov"
PROTOCOL = FIXTURES / "protocol.yaml"
CODING = FIXTURES / "coding.csv"
SCREENING = FIXTURES / "screening.csv"
EXTRACTION = REPO / "analysis" / "extraction"


@pytest.fixture(scope="session")
def rules() -> OutcomeRules:
    return load_outcome_rules(load_protocol(PROTOCOL), PROTOCOL)


@pytest.fixture(scope="session")
def run() -> OutcomesRun:
    return extract_outcomes(CTGOV, EXTRACTION, PROTOCOL, CODING, SCREENING)
