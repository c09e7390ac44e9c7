"""Run records, their comparison, ``trialsynth diff --fail-on`` and the report's section.

Inputs are small tables written through the package's own writers (schemas checked), two raw
manifests, and pooled results built with :class:`MetaResult`; each test changes one thing and
checks that exactly that change is reported.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from trialsynth.cli import main
from trialsynth.errors import InputError
from trialsynth.history.archive import keep_record, read_index, resolve
from trialsynth.history.compare import (
    changes_for_report,
    compare_records,
    failed_conditions,
    format_changes,
)
from trialsynth.history.record import build_record, load_record
from trialsynth.report.render import template_environment
from trialsynth.tables import write_json_atomic, write_table

SETTINGS = {"measure": "RR", "method": "REML", "test": "adhoc", "pi": "hts", "level": 95}


def _result(path: Path, k: int, estimate: float, ci_lb: float, ci_ub: float) -> None:
    from trialsynth.meta.result import MetaResult

    result = MetaResult.from_dict(
        {"k": k, "estimate": estimate, "ci_lb": ci_lb, "ci_ub": ci_ub, "settings": SETTINGS}
    )
    write_json_atomic(path, result.to_dict())


def _run_inputs(folder: Path, enrollment: int = 40, decision: str = "include") -> dict[str, Any]:
    """Two studies (a trial with its article, a trial alone), screening and one result."""
    folder.mkdir(parents=True, exist_ok=True)
    trials = pd.DataFrame(
        {
            "nct_id": ["NCT00000001", "NCT00000002"],
            "brief_title": ["Drug A in adults", "Drug A in adolescents"],
            "enrollment": pd.array([enrollment, 12], dtype="Int64"),
            "source_file": ["page-0001.json", "page-0001.json"],
        }
    )
    trials.to_csv(folder / "trials.csv", index=False)  # only the columns used here
    articles = pd.DataFrame(
        {"pmid": ["11111111"], "title": ["Drug A trial"], "source_file": ["efetch-0001.xml"]}
    )
    articles.to_csv(folder / "articles.csv", index=False)
    studies = pd.DataFrame(
        {
            "study_id": ["NCT00000001", "NCT00000002"],
            "nct_ids": ["NCT00000001", "NCT00000002"],
            "pmids": ["11111111", None],
            "n_records": [2, 1],
            "merged_duplicates": [0, 0],
            "flags": [None, None],
        }
    )
    write_table(studies, folder / "studies.csv", "studies")
    screening = pd.DataFrame(
        {
            "study_id": ["NCT00000001", "NCT00000002"],
            "decision": [decision, "exclude"],
            "reason": ["eligible", "not_interventional"],
            "detail": [None, None],
            "decided_by": ["rules", "rules"],
        }
    )
    write_table(screening, folder / "screening.csv", "screening")
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({"data_timestamp": f"stamp {enrollment}", "counts": {}}))
    _result(folder / "response.json", 5, 0.3, 0.1, 0.5)
    return {
        "manifests": {"ctgov": manifest},
        "studies": folder / "studies.csv",
        "trials": folder / "trials.csv",
        "articles": folder / "articles.csv",
        "screening": folder / "screening.csv",
        "results": [folder / "response.json"],
    }


@pytest.fixture(autouse=True)
def _lenient_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """trials.csv and articles.csv here hold only the columns a record reads."""
    import trialsynth.history.record as record

    def read(path: Path, schema: str | None = None) -> pd.DataFrame:
        return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])

    monkeypatch.setattr(record, "read_table", read)


def test_a_record_is_deterministic_and_keyed_by_the_snapshot(tmp_path: Path) -> None:
    inputs = _run_inputs(tmp_path / "a")
    first, second = build_record(**inputs), build_record(**inputs)
    assert first == second
    assert len(first["snapshot_key"]) == 16
    assert first["screening"] == {"NCT00000001": "include", "NCT00000002": "exclude"}
    assert first["estimates"]["response"] == {
        "k": 5, "estimate": 0.3, "ci_lb": 0.1, "ci_ub": 0.5, "measure": "RR", "null": 0.0,
    }  # fmt: skip
    moved = _run_inputs(tmp_path / "b", enrollment=41)  # another manifest, one trial changed
    other = build_record(**moved)
    assert other["snapshot_key"] != first["snapshot_key"]
    changes = compare_records(first, other)
    assert changes["studies"] == {"new": [], "removed": [], "updated": ["NCT00000001"]}
    assert changes["decisions"] == [] and changes["estimates"] == {}


def test_the_page_a_record_came_in_is_not_a_change(tmp_path: Path) -> None:
    inputs = _run_inputs(tmp_path / "a")
    before = build_record(**inputs)
    trials = pd.read_csv(inputs["trials"], dtype="string")
    trials["source_file"] = "page-0002.json"
    trials.to_csv(inputs["trials"], index=False)
    assert build_record(**inputs)["studies"] == before["studies"]


def _record(studies: dict[str, str], screening: dict[str, str], **estimates: Any) -> dict:
    return {
        "version": 1,
        "snapshot_key": "k" + str(len(studies)),
        "snapshots": {},
        "studies": studies,
        "screening": screening,
        "estimates": estimates,
    }


OLD = _record(
    {"S1": "a", "S2": "b", "S3": "c"},
    {"S1": "include", "S2": "review", "S3": "include"},
    response={"k": 5, "estimate": 0.3, "ci_lb": 0.1, "ci_ub": 0.5, "measure": "RR", "null": 0.0},
    remission={"k": 4, "estimate": 0.2, "ci_lb": 0.05, "ci_ub": 0.35, "measure": "RR", "null": 0},
)
NEW = _record(
    {"S1": "a", "S2": "b2", "S4": "d"},
    {"S1": "include", "S2": "include", "S4": "review"},
    response={"k": 6, "estimate": 0.2, "ci_lb": -0.05, "ci_ub": 0.45, "measure": "RR", "null": 0},
    remission={"k": 4, "estimate": 0.2, "ci_lb": 0.05, "ci_ub": 0.35, "measure": "RR", "null": 0},
)


def test_comparison_names_every_kind_of_change() -> None:
    changes = compare_records(OLD, NEW)
    assert changes["studies"] == {"new": ["S4"], "removed": ["S3"], "updated": ["S2"]}
    assert changes["decisions"] == [{"study_id": "S2", "old": "review", "new": "include"}]
    assert list(changes["estimates"]) == ["response"]  # remission did not move
    response = changes["estimates"]["response"]
    assert (response["k_old"], response["k_new"]) == (5, 6)
    assert response["now_crosses_null"] is True
    assert changes["counts"]["now_crossing_null"] == 1
    text = format_changes(changes)
    # ratio scale: exp(0.3) = 1.35, exp(0.1) = 1.11, exp(0.5) = 1.65; exp(-0.05) = 0.95
    assert f"response: {math.exp(0.3):.2f} [1.11, 1.65] -> 1.22 [0.95, 1.57] (k 5 -> 6)" in text
    assert "CI now crosses the null" in text
    back = compare_records(NEW, OLD)["estimates"]["response"]
    assert back["no_longer_crosses_null"] is True and back["now_crosses_null"] is False


def test_fail_on_flags_only_what_happened() -> None:
    changes = compare_records(OLD, NEW)
    wanted = ["null-crossing", "study-removed", "decision-changed", "estimate-moved"]
    assert failed_conditions(changes, wanted) == wanted
    same = compare_records(OLD, OLD)
    assert failed_conditions(same, wanted) == []
    assert same["counts"] == dict.fromkeys(same["counts"], 0)


def test_diff_command_exit_status_follows_fail_on(tmp_path: Path, capsys) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(OLD))
    new.write_text(json.dumps(NEW))
    assert main(["diff", str(old), str(new)]) == 0
    assert "studies removed (1): S3" in capsys.readouterr().out
    assert main(["diff", str(old), str(new), "--fail-on", "study-removed"]) == 1
    assert main(["diff", str(new), str(new), "--fail-on", "null-crossing"]) == 0
    capsys.readouterr()
    assert main(["diff", str(old), str(new), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["studies_new"] == 1
    assert main(["diff", str(old), str(tmp_path / "absent.json")]) == 2  # InputError


def test_history_folder_keeps_a_record_per_distinct_result(tmp_path: Path) -> None:
    history = tmp_path / "history"
    first = build_record(**_run_inputs(tmp_path / "a"))
    assert keep_record(history, first) is None  # the first run has nothing to compare with
    assert keep_record(history, first) is None  # a rerun that changed nothing adds nothing
    second = build_record(**_run_inputs(tmp_path / "b", enrollment=41))
    assert keep_record(history, second) == first
    assert keep_record(history, second) == first  # still compared with the run before
    # same snapshot, another reviewer decision: kept beside it, compared with it
    third = build_record(**_run_inputs(tmp_path / "c", enrollment=41, decision="review"))
    assert third["snapshot_key"] == second["snapshot_key"]
    assert keep_record(history, third) == second
    key1, key2 = first["snapshot_key"], second["snapshot_key"]
    assert read_index(history) == [key1, key2, f"{key2}-2"]
    assert load_record(resolve(history, "previous")) == second
    assert load_record(resolve(history, "latest")) == third
    assert load_record(resolve(history, key1)) == first


def test_history_command_writes_changes_for_the_report(tmp_path: Path) -> None:
    def run(inputs: dict[str, Any], out: Path) -> dict[str, Any]:
        argv = ["history", "--manifest", f"ctgov={inputs['manifests']['ctgov']}"]
        for name in ("studies", "trials", "articles", "screening"):
            argv += [f"--{name}", str(inputs[name])]
        argv += ["--result", *map(str, inputs["results"])]
        argv += ["--history", str(tmp_path / "history"), "--out", str(out)]
        assert main(argv) == 0
        return json.loads(out.read_text())

    assert run(_run_inputs(tmp_path / "a"), tmp_path / "c1.json")["previous"] is None
    second = _run_inputs(tmp_path / "b", decision="review")
    shutil.rmtree(tmp_path / "a")
    changes = run(second, tmp_path / "c2.json")
    assert changes["decisions"] == [{"study_id": "NCT00000001", "old": "include", "new": "review"}]
    section = changes_for_report(changes)
    assert section is not None and section["first_run"] is False
    html = (
        template_environment()
        .get_template("changes.html")
        .render(r=SimpleNamespace(changes=section))
    )
    assert "What changed since the previous run" in html
    assert "<td>NCT00000001</td><td>include</td><td>review</td>" in html
    assert "No pooled estimate moved." in html
    first_html = (
        template_environment()
        .get_template("changes.html")
        .render(r=SimpleNamespace(changes=changes_for_report({"previous": None, "current": "abc"})))
    )
    assert "first run on record" in first_html


def test_a_record_of_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**OLD, "version": 99}))
    with pytest.raises(InputError, match="not a history record of version 1"):
        load_record(path)


def test_report_section_counts_changed_decisions_it_does_not_list() -> None:
    ids = [f"S{i:03d}" for i in range(60)]
    old = _record(dict.fromkeys(ids, "a"), dict.fromkeys(ids, "review"))
    new = _record(dict.fromkeys(ids, "a"), dict.fromkeys(ids, "include"))
    old["snapshot_key"], new["snapshot_key"] = "old", "new"
    changes = {"previous": "old", "current": "new", **compare_records(old, new)}
    section = changes_for_report(changes)
    assert section is not None
    section["href"] = "history/changes.json"
    html = (
        template_environment()
        .get_template("changes.html")
        .render(r=SimpleNamespace(changes=section))
    )
    assert (
        "Showing 50 of 60 changed screening decisions; all of them: "
        '<a href="history/changes.json">history/changes.json</a>'
    ) in html
    assert html.count("<td>review</td><td>include</td>") == 50
