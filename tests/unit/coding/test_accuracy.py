"""Agreement of the coder (no overrides) with the expert labels of the 46 real records.

Route and condition stay below 0.90 because five labels of each rest on information that is not
in the records (a results preprint, third-party summaries, an unstated ECT anaesthetic route;
see the ``evidence`` column of labels.csv). Their floors are the measured 41/46, so any
regression fails; every other field must reach 0.90.
"""

from __future__ import annotations

from trialsynth.coding import FIELDS, Codebook
from trialsynth.coding.accuracy import agreement, read_labels, same
from trialsynth.coding.stage import code_inputs

from .conftest import LABELS, RECORDS

FLOORS = {field: 0.90 for field in FIELDS} | {"route": 41 / 46, "condition": 41 / 46}


def test_every_labelled_record_is_coded(codebook: Codebook) -> None:
    coded = code_inputs([RECORDS], codebook)
    assert sorted(coded) == sorted(read_labels(LABELS))
    assert len(coded) == 46


def test_agreement_per_field_meets_its_floor(codebook: Codebook) -> None:
    counts, wrong = agreement(code_inputs([RECORDS], codebook), read_labels(LABELS))
    rates = {field: ok / n for field, (ok, n) in counts.items()}
    assert all(n == 46 for _, n in counts.values())
    failing = {f: r for f, r in rates.items() if r < FLOORS[f] - 1e-9}
    assert not failing, (failing, [d for d in wrong if d.field in failing])
    for field in ("drug", "psychotherapy", "psychotherapy_type", "design", "comparator"):
        assert rates[field] >= 0.90


def test_multi_valued_fields_compare_as_sets() -> None:
    assert same("condition", "TRD;suicidal_ideation", "suicidal_ideation;TRD")
    assert not same("condition", "TRD;suicidal_ideation", "TRD")
    assert not same("route", "IV", "iv")
