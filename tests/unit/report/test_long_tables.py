"""Per-record tables at registry scale: listed up to a limit, counted, linked in full."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from trialsynth.errors import InputError, SchemaError
from trialsynth.protocol import load_protocol
from trialsynth.report.build import load_exclusions
from trialsynth.report.context import place_png
from trialsynth.report.long_tables import (
    DEFAULT_EMBED_FIGURE_KB,
    DEFAULT_TABLE_ROWS,
    DisplayLimits,
    LinkedFigure,
    LongTable,
    copy_table,
    relative_href,
    write_full_table,
)
from trialsynth.report.render import ReportInputs, reason_counts, render_report

REPO = Path(__file__).resolve().parents[3]


def _screening(n: int) -> list[dict[str, str]]:
    """``n`` screening rows: every third excluded as not interventional, the rest included."""
    return [
        {
            "study_id": f"NCT{i:08d}",
            "decision": "exclude" if i % 3 == 0 else "include",
            "reason": "not_interventional" if i % 3 == 0 else "",
            "detail": "",
            "decided_by": "rules",
        }
        for i in range(1, n + 1)
    ]


def _inputs(screening: list[dict[str, str]], table_rows: int, links: bool) -> ReportInputs:
    return ReportInputs(
        protocol={"review": {"title": "Registry"}, "meta": {"method": "REML"}},
        manifests={},
        prisma={"studies_included": 0, "records_screened": len(screening), "awaiting_review": 0},
        screening=screening,
        coding=[],
        exclusions=[],
        analyses=[],
        input_files=[],
        versions={"trialsynth": "0"},
        limits=DisplayLimits(table_rows=table_rows),
        full_tables={"screening": "tables/screening_decisions.csv"} if links else {},
    )


def test_a_table_within_the_limit_is_shown_whole() -> None:
    table = LongTable(list(range(62)), 1000, "screening decisions", "tables/s.csv")
    assert not table.truncated
    assert table.total == 62
    assert list(table.shown) == list(range(62))
    assert table.notice() == ""


def test_a_long_table_shows_its_first_rows_and_says_how_many_of_how_many() -> None:
    table = LongTable(list(range(22_808)), 1000, "screening decisions", "tables/s.csv")
    assert table.truncated
    assert list(table.shown) == list(range(1000))
    assert table.notice() == (
        "Showing 1,000 of 22,808 screening decisions; full table: tables/s.csv."
    )
    unlinked = LongTable(list(range(1001)), 1000, "trials in the gap")
    assert unlinked.notice() == (
        "Showing 1,000 of 1,001 trials in the gap; the full table was not written."
    )


def test_the_page_lists_up_to_the_limit_and_links_the_full_table() -> None:
    screening = _screening(1500)
    html = render_report(_inputs(screening, table_rows=1000, links=True))
    notice = re.search(r'<p class="flag" id="cut-screening">(.*?)</p>', html)
    assert notice is not None
    assert notice.group(1).startswith(
        "Showing 1,000 of 1,500 screening decisions; full table: "
        '<a href="tables/screening_decisions.csv">tables/screening_decisions.csv</a>'
    )
    start = html.index("<details><summary>Screening decision for every study")
    table = html[start : html.index("</details>", start)]
    assert table.count("<tr><td>") == 1000
    assert "NCT00001000" in table and "NCT00001001" not in table
    # The counts by reason stay on the page and count every row, not the listed ones.
    reasons = html[html.index('<table id="screening-reasons">') :]
    assert '<td>include</td><td>eligibility rules met</td><td class="num">1,000</td>' in reasons
    assert '<td>exclude</td><td>not_interventional</td><td class="num">500</td>' in reasons


def test_a_review_below_the_limit_keeps_every_row_and_no_notice() -> None:
    html = render_report(_inputs(_screening(62), table_rows=1000, links=True))
    assert 'id="cut-screening"' not in html
    assert "Showing " not in html
    start = html.index("<details><summary>Screening decision for every study (62)")
    assert html[start : html.index("</details>", start)].count("<tr><td>") == 62
    assert 'Also as CSV: <a href="tables/screening_decisions.csv">' in html


def test_reason_counts_put_inclusions_first_and_count_every_decision() -> None:
    counts = reason_counts(_screening(9))
    assert counts == [
        (("include", "eligibility rules met"), 6),
        (("exclude", "not_interventional"), 3),
    ]


def test_limits_come_from_the_protocol_with_defaults(tmp_path: Path) -> None:
    assert DisplayLimits.from_protocol({}) == DisplayLimits(
        DEFAULT_TABLE_ROWS, DEFAULT_EMBED_FIGURE_KB
    )
    protocol = yaml.safe_load((REPO / "analysis/protocol.yaml").read_text(encoding="utf-8"))
    protocol["report"] = {"table_rows": 25, "embed_figure_kb": 300}
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(protocol), encoding="utf-8")
    assert DisplayLimits.from_protocol(load_protocol(path)) == DisplayLimits(25, 300)
    protocol["report"] = {"table_row": 25}
    path.write_text(yaml.safe_dump(protocol), encoding="utf-8")
    with pytest.raises(InputError, match="table_row"):
        load_protocol(path)


def test_full_tables_are_written_whole(tmp_path: Path) -> None:
    rows = _screening(1500)
    target = tmp_path / "tables" / "screening_decisions.csv"
    write_full_table(target, rows, ["study_id", "decision", "reason"])
    with target.open(encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == 1500
    assert written[2] == {
        "study_id": "NCT00000003",
        "decision": "exclude",
        "reason": "not_interventional",
    }
    assert b"\r\n" not in target.read_bytes()
    copy = tmp_path / "tables" / "copy.csv"
    copy_table(target, copy)
    assert copy.read_bytes() == target.read_bytes()


def test_a_figure_larger_than_the_page_embeds_is_linked_with_its_size(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "report.html"
    figure = tmp_path / "reports" / "figures" / "forest_a.png"
    figure.parent.mkdir(parents=True)
    figure.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024))
    data, link = place_png(figure, DisplayLimits(embed_figure_kb=1024), report)
    assert data is None
    assert link == LinkedFigure("figures/forest_a.png", 3 * 1024 * 1024 + 8)
    assert link.size == "3.0 MB"
    assert relative_href(figure, report) == "figures/forest_a.png"
    data, link = place_png(figure, DisplayLimits(embed_figure_kb=4096), report)
    assert link is None and data is not None and data.startswith("iVBORw0KGgo")


def test_a_row_without_a_column_is_written_with_the_cell_empty(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    write_full_table(target, [{"a": "1", "b": "2"}, {"a": "3"}], ["a", "b"])
    assert target.read_text(encoding="utf-8") == "a,b\n1,2\n3,\n"
    write_full_table(target, [{"a": "1"}, {"a": "x,y"}], ["a"])
    assert target.read_text(encoding="utf-8") == 'a\n1\n"x,y"\n'


def test_studies_left_out_are_counted_in_full_and_listed_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "outcome_exclusions.csv"
    reasons = ["no_outcome"] * 7 + ["screening"] * 4 + ["unusable_record"] * 4
    lines = ["analysis_id,study_id,nct_id,pmid,source_kind,outcome,reason,detail"]
    lines += [
        f"a,NCT{i:08d},NCT{i:08d},,ctgov_results,response,{reason},row {i}"
        for i, reason in enumerate(reasons, start=1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, total, counts = load_exclusions(path, DisplayLimits(table_rows=10))
    assert total == 15
    assert counts == [("no_outcome", 7), ("screening", 4), ("unusable_record", 4)]
    assert [row["detail"] for row in rows] == [f"row {i}" for i in range(1, 11)]
    inputs = _inputs([], table_rows=10, links=False)
    inputs.exclusions, inputs.exclusions_total, inputs.exclusion_reasons = rows, total, counts
    html = render_report(inputs)
    assert "<p>15 study–analysis pairs were left out;" in html
    assert "Showing 10 of 15 study–analysis pairs left out; full table: not written." in html
    assert '<td>no_outcome</td><td class="num">7</td>' in html
    start = html.index("<details><summary>Every study left out")
    assert html[start : html.index("</details>", start)].count("<tr><td>") == 10


def test_a_reason_beyond_the_listed_rows_is_still_checked(tmp_path: Path) -> None:
    """The page reads only the rows it lists whole; every row's reason is still counted and
    checked against the table's schema."""
    path = tmp_path / "outcome_exclusions.csv"
    lines = ["analysis_id,study_id,nct_id,pmid,source_kind,outcome,reason,detail"]
    lines += [
        f"a,NCT{i:08d},NCT{i:08d},,ctgov_results,response,no_outcome,row {i}" for i in range(12)
    ]
    path.write_text(
        "\n".join([*lines, "a,S,NCT00000099,,ctgov_results,response,Bad Reason,x"]) + "\n"
    )
    with pytest.raises(SchemaError, match="reason"):
        load_exclusions(path, DisplayLimits(table_rows=10))
    path.write_text("\n".join(lines).replace(",no_outcome,row 11", ",,row 11") + "\n")
    with pytest.raises(SchemaError, match="reason"):  # the schema requires a reason
        load_exclusions(path, DisplayLimits(table_rows=10))
