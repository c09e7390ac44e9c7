"""Issue 8 items 3 and 4: a repeated arm is pooled once (or is an error naming both rows), and a
percentage that contradicts its counts is never pooled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trialsynth.errors import InputError
from trialsynth.outcomes.analyses import build_analysis
from trialsynth.outcomes.extraction import extraction_rows, load_extraction_dir
from trialsynth.outcomes.rules import OutcomeRules
from trialsynth.outcomes.sheet_checks import percent_contradiction
from trialsynth.protocol import load_protocol
from trialsynth.tables import read_table

from .conftest import CODING, EXTRACTION, PROTOCOL, SCREENING

SHEET = "esketamine_published_arm_level_outcomes.csv"


def _copy_sheets(tmp_path: Path) -> Path:
    folder = tmp_path / "extraction"
    shutil.copytree(EXTRACTION, folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


def _sustain_row(folder: Path, arm: str) -> tuple[list[str], str]:
    lines = (folder / SHEET).read_text(encoding="utf-8").splitlines()
    row = next(
        line for line in lines if "relapse (stable remitters)" in line and f",{arm}," in line
    )
    return lines, row


def _relapse_analysis(rules: OutcomeRules, rows: list[dict]) -> dict:
    spec = next(s for s in load_protocol(PROTOCOL)["analyses"] if s["id"] == "relapse_maintenance")
    result = build_analysis(spec, rows, rules, read_table(CODING), read_table(SCREENING))
    return result.table.iloc[0].to_dict()


def test_a_repeated_arm_is_pooled_once_not_as_a_second_arm(
    tmp_path: Path, rules: OutcomeRules
) -> None:
    folder = _copy_sheets(tmp_path)
    _, before = extraction_rows(load_extraction_dir(folder), rules)
    lines, row = _sustain_row(folder, "esketamine + AD")
    (folder / SHEET).write_text("\n".join([*lines, row]) + "\n", encoding="utf-8")
    rows, counts = extraction_rows(load_extraction_dir(folder), rules)
    assert counts["duplicates"] == before["duplicates"] + 1
    copy = next(r for r in rows if r["record_id"] == f"{SHEET}:row {len(lines) + 1}")
    assert not copy["usable"]
    assert copy["issue"].startswith(f"duplicate of {SHEET}:row 19 ")
    table_row = _relapse_analysis(rules, rows)
    # Without the check the copy became a second experimental arm: 48/180 versus 39/86.
    assert (table_row["ai"], table_row["ai"] + table_row["bi"]) == (24, 90)
    assert (table_row["ci"], table_row["ci"] + table_row["di"]) == (39, 86)


def test_a_repeated_arm_with_other_numbers_is_an_error_naming_both_rows(
    tmp_path: Path, rules: OutcomeRules
) -> None:
    folder = _copy_sheets(tmp_path)
    lines, row = _sustain_row(folder, "AD + placebo")
    changed = row.replace(",86,39,45.3,", ",86,40,46.5,")
    (folder / SHEET).write_text("\n".join([*lines, changed]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        extraction_rows(load_extraction_dir(folder), rules)
    text = str(info.value)
    assert str(folder / SHEET) in text
    assert f"{SHEET}:row {len(lines) + 1} repeats the arm of {SHEET}:row 20" in text
    assert "fix:" in text


def test_a_percent_that_contradicts_the_counts_is_not_pooled(
    tmp_path: Path, rules: OutcomeRules
) -> None:
    folder = _copy_sheets(tmp_path)
    text = (folder / SHEET).read_text(encoding="utf-8")
    # 24/90 = 26.67 %: a sheet printing 62.7 % holds a wrong number.
    assert text.count(",90,24,26.7,") == 1
    (folder / SHEET).write_text(text.replace(",90,24,26.7,", ",90,24,62.7,"), encoding="utf-8")
    rows, _ = extraction_rows(load_extraction_dir(folder), rules)
    bad = next(r for r in rows if r["record_id"] == f"{SHEET}:row 19")
    assert not bad["usable"]
    assert bad["issue"].startswith("percent 62.7 contradicts events/arm_n = 24/90 = 26.67%")


def test_a_contradicting_percent_is_counted_in_the_exclusions(tmp_path: Path) -> None:
    from trialsynth.outcomes.stage import extract_outcomes

    from .conftest import CTGOV

    folder = _copy_sheets(tmp_path)
    text = (folder / SHEET).read_text(encoding="utf-8")
    (folder / SHEET).write_text(text.replace(",90,24,26.7,", ",90,24,62.7,"), encoding="utf-8")
    run = extract_outcomes(CTGOV, folder, PROTOCOL, CODING, SCREENING)
    unusable = run.exclusions[run.exclusions["reason"] == "unusable_record"]
    assert unusable["detail"].str.contains(f"{SHEET}:row 19: percent 62.7 contradicts").any()
    assert run.analyses["relapse_maintenance"].empty


@pytest.mark.parametrize(
    ("events", "n", "posted", "agrees"),
    [
        (24, 90, "26.7", True),  # 26.667 rounded
        (11, 12, "91.6", True),  # 91.667 truncated, as some journals print
        (11, 12, "91.7", True),
        (11, 12, "92", True),
        (17, 41, "42", False),  # 41.46 % prints as 41, never 42
        (1, 8, "12.5", True),  # 12.5 exactly
        (1, 8, "12", True),  # half to even
        (1, 8, "13", True),  # half up
        (24, 90, "62.7", False),
    ],
)
def test_percent_agrees_within_the_rounding_of_its_printed_digits(
    events: int, n: int, posted: str, agrees: bool
) -> None:
    assert (percent_contradiction(events, n, posted) is None) is agrees
