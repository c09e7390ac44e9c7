"""A coding row whose drug the record never names goes to review, not inclusion."""

from __future__ import annotations

from trialsynth.screen.eligibility import screen_registered

REGISTRY = {
    "study_type": {"include": ["INTERVENTIONAL"], "exclude": ["OBSERVATIONAL"]},
    "drug": {"include": ["ketamine", "esketamine"], "exclude": []},
}


def test_drug_not_named_goes_to_review() -> None:
    coding = {"design": "RCT", "drug": "ketamine", "condition": "TRD", "flags": "drug_not_named"}
    decision = screen_registered("INTERVENTIONAL", coding, REGISTRY)
    assert (decision.decision, decision.reason) == ("review", "drug_undetermined")


def test_named_drug_is_included() -> None:
    coding = {"design": "RCT", "drug": "ketamine", "condition": "TRD", "flags": ""}
    assert screen_registered("INTERVENTIONAL", coding, REGISTRY).decision == "include"
