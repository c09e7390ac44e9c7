"""``trialsynth link`` and ``trialsynth screen`` on the real shipped records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from study_builders import FIXTURES

from trialsynth.cli import main
from trialsynth.tables import read_table

PROTOCOL = Path(__file__).resolve().parents[3] / "analysis" / "protocol.yaml"


def _command(verb: str, **paths: Path) -> list[str]:
    """``verb --option path ...``, option names as keywords (``out_links`` is ``--out-links``)."""
    argv = [verb]
    for option, path in paths.items():
        argv += [f"--{option.replace('_', '-')}", str(path)]
    return argv


def _link(tmp_path: Path) -> list[str]:
    return _command(
        "link",
        trials=FIXTURES / "trials.csv",
        articles=FIXTURES / "articles.csv",
        out_links=tmp_path / "links.csv",
        out_studies=tmp_path / "studies.csv",
    )


def _screen(tmp_path: Path, protocol: Path = PROTOCOL, overrides: Path | None = None) -> list[str]:
    if overrides is None:
        overrides = tmp_path / "overrides.csv"
        overrides.write_text("study_id,decision,reason,note\n", encoding="utf-8")
    return _command(
        "screen",
        studies=tmp_path / "studies.csv",
        trials=FIXTURES / "trials.csv",
        articles=FIXTURES / "articles.csv",
        coding=FIXTURES / "coding.csv",
        protocol=protocol,
        overrides=overrides,
        out=tmp_path / "screening.csv",
        prisma=tmp_path / "prisma.json",
    )


def test_link_and_screen_real_records(tmp_path: Path) -> None:
    assert main(_link(tmp_path)) == 0
    assert main(_screen(tmp_path)) == 0
    prisma = json.loads((tmp_path / "prisma.json").read_text(encoding="utf-8"))
    assert prisma == {
        "identified": {"ctgov": 46, "pubmed": 23},
        "duplicates_removed": 0,
        "removed_other_reasons": 0,
        "removed_other_by_reason": {},
        "records_screened": 69,
        "studies_screened": 62,
        "excluded": 1,
        "excluded_records": 1,
        "excluded_by_reason": {"not_interventional": 1},
        "awaiting_review": 6,
        "awaiting_review_by_reason": {
            "ambiguous_trial_link": 1,
            "condition_undetermined": 3,
            "design_undetermined": 1,
            "publication_type_undetermined": 1,
        },
        "studies_included": 55,
        "reports_of_included_studies": 62,
        "decided_by_reviewer": 0,
    }
    screening = read_table(tmp_path / "screening.csv", "screening").set_index("study_id")
    # Observational esketamine cohort (expert coding: observational).
    assert screening.loc["NCT05604794", ["decision", "reason"]].tolist() == [
        "exclude",
        "not_interventional",
    ]
    # A research letter reporting an open-label trial: not excluded by type alone.
    assert screening.loc["PMID:27046314", "reason"] == "publication_type_undetermined"
    # SUSTAIN-2, known only from its paper, passes on the paper's publication types.
    assert screening.loc["NCT02497287", "decision"] == "include"


def test_outputs_are_byte_identical_on_a_second_run(tmp_path: Path) -> None:
    main(_link(tmp_path))
    main(_screen(tmp_path))
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.*")}
    main(_link(tmp_path))
    main(_screen(tmp_path))
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.*")} == first


def test_override_of_unknown_study_fails_without_writing(tmp_path: Path, capsys) -> None:
    main(_link(tmp_path))
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("study_id,decision,reason,note\nNCT99999999,include,,x\n", "utf-8")
    assert main(_screen(tmp_path, overrides=overrides)) == 2
    assert "row 2: unknown study_id 'NCT99999999'" in capsys.readouterr().err
    assert not (tmp_path / "screening.csv").exists()
    assert not (tmp_path / "prisma.json").exists()


def _protocol_with(tmp_path: Path, change) -> Path:
    doc = yaml.safe_load(PROTOCOL.read_text(encoding="utf-8"))
    change(doc["eligibility"])
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e["publications"]["drug_terms"].append("(ketamine"), "drug_terms[2]"),
        (lambda e: e["registry"].update(species={"include": ["human"]}), "species"),
        (lambda e: e["registry"].pop("drug"), "'drug' is a required property"),
        (lambda e: e["registry"]["condition"].update(include=[]), "key eligibility"),
    ],
)
def test_bad_eligibility_is_a_protocol_error(tmp_path: Path, capsys, change, message) -> None:
    main(_link(tmp_path))
    protocol = _protocol_with(tmp_path, change)
    assert main(_screen(tmp_path, protocol=protocol)) == 2
    err = capsys.readouterr().err
    assert str(protocol) in err and message in err


def test_coding_without_columns_names_the_fix(tmp_path: Path, capsys) -> None:
    main(_link(tmp_path))
    coding = tmp_path / "coding.csv"
    shutil.copy(FIXTURES / "coding.csv", coding)
    text = coding.read_text(encoding="utf-8").replace("condition", "conditions", 1)
    coding.write_text(text, encoding="utf-8")
    args = _screen(tmp_path)
    args[args.index("--coding") + 1] = str(coding)
    assert main(args) == 2
    err = capsys.readouterr().err
    # The shipped coding schema names the stray column and lists the expected ones.
    assert "unexpected column(s) ['conditions']" in err
    assert "'condition'" in err


def test_link_writes_the_author_year_labels_of_its_tables(tmp_path: Path) -> None:
    from trialsynth.link.labels import study_labels

    labels_csv = tmp_path / "study_labels.csv"
    assert main([*_link(tmp_path), "--out-labels", str(labels_csv)]) == 0

    def records(path: Path) -> list[dict]:
        table = read_table(path)
        return table.astype(object).where(table.notna(), "").to_dict("records")

    from_tables = study_labels(
        records(tmp_path / "studies.csv"),
        records(FIXTURES / "articles.csv"),
        records(FIXTURES / "trials.csv"),
    )
    table = read_table(labels_csv, "study_labels")
    from_file = dict(zip(table["study_id"], table["label"], strict=True))
    assert from_file == from_tables
    assert len(from_file) == 62 and from_file["NCT02417064"] == "TRANSFORM-1"
