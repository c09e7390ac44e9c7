"""``parse_pubmed`` on real efetch XML (tests/fixtures/records/pubmed, copied from the shared
PubMed data with its provenance.csv), and each bad-input case.

Variants used by some tests are made here from the real files by a stated, minimal edit
(e.g. a PubDate replaced by a MedlineDate) so that every expected value is visible in the test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from trialsynth.cli import main
from trialsynth.errors import InputError
from trialsynth.parse.pubmed import ARTICLES_COLUMNS, parse_pubmed
from trialsynth.parse.skips import SkipLog

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "pubmed"
ARTICLES = FIXTURES / "articles"
MULTI = FIXTURES / "efetch" / "efetch_pubmed_esketamine_SUSTAIN1_TRANSFORM1_SUSTAIN2.xml"


def _raw(tmp_path: Path, *sources: Path | bytes) -> Path:
    """A raw PubMed folder with ``efetch-0001.xml``... holding the given files or bytes."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for number, source in enumerate(sources, start=1):
        target = raw / f"efetch-{number:04d}.xml"
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            shutil.copyfile(source, target)
    return raw


def _row(df: pd.DataFrame, pmid: str) -> pd.Series:
    rows = df[df["pmid"] == pmid]
    assert len(rows) == 1, f"expected one row for PMID {pmid}"
    return rows.iloc[0]


def test_multi_article_efetch_gives_one_row_per_pmid(tmp_path: Path) -> None:
    df = parse_pubmed(_raw(tmp_path, MULTI))
    assert list(df.columns) == list(ARTICLES_COLUMNS)
    assert list(df["pmid"]) == ["31166571", "31290965", "32316080"]
    assert list(df["databank_nct_ids"]) == ["NCT02493868", "NCT02417064", "NCT02497287"]
    assert set(df["source_file"]) == {"efetch-0001.xml"}


def test_transform1_article_fields(tmp_path: Path) -> None:
    row = _row(parse_pubmed(_raw(tmp_path, MULTI)), "31290965")
    assert row["title"].startswith("Efficacy and Safety of Fixed-Dose Esketamine Nasal Spray")
    assert row["title"].endswith("(TRANSFORM-1).")
    assert row["journal"] == "The international journal of neuropsychopharmacology"
    assert row["year"] == 2019
    assert row["doi"] == "10.1093/ijnp/pyz039"
    assert row["databank_nct_ids"] == "NCT02417064"
    assert row["text_nct_ids"] == "NCT02417064"  # "ClinicalTrials.gov identifier: NCT02417064."
    assert row["publication_types"] == (
        "Clinical Trial, Phase III;Journal Article;Multicenter Study;"
        "Randomized Controlled Trial;Research Support, Non-U.S. Gov't"
    )
    mesh = row["mesh_terms"].split(";")
    assert mesh == sorted(mesh)
    assert {"Ketamine", "Depressive Disorder, Treatment-Resistant", "Humans"} <= set(mesh)
    labels = [line.split(":", 1)[0] for line in row["abstract"].split("\n")]
    assert labels == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS", "TRIAL REGISTRATION"]
    assert row["abstract"].startswith("BACKGROUND: About one-third of patients with depression")


def test_article_without_databank_or_doi(tmp_path: Path) -> None:
    row = _row(parse_pubmed(_raw(tmp_path, ARTICLES / "23982301.xml")), "23982301")
    assert row["journal"] == "The American Journal of Psychiatry"
    assert row["year"] == 2013
    assert pd.isna(row["databank_nct_ids"])
    assert pd.isna(row["text_nct_ids"])
    assert pd.isna(row["doi"])
    assert row["abstract"].startswith("OBJECTIVE: Ketamine, a glutamate")
    assert "\nMETHOD: This was a two-site" in row["abstract"]


def test_two_databank_ids_and_isoabbreviation_as_journal(tmp_path: Path) -> None:
    # 34412104 (ASPIRE I/II pooled) has two ClinicalTrials.gov accessions and no Journal/Title.
    row = _row(parse_pubmed(_raw(tmp_path, ARTICLES / "34412104.xml")), "34412104")
    assert row["databank_nct_ids"] == "NCT03039192;NCT03097133"
    assert row["journal"] == "J Clin Psychopharmacol"
    assert row["year"] == 2021


def test_inline_markup_is_removed_from_title_and_abstract(tmp_path: Path) -> None:
    row = _row(parse_pubmed(_raw(tmp_path, FIXTURES / "efetch" / "pubmed4.xml")), "27797938")
    assert row["title"] == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of "
        "pancreatic cancer."
    )
    assert "<i>" not in row["abstract"]
    assert "ptrend=0.048" in row["abstract"]


def test_year_from_medline_date(tmp_path: Path) -> None:
    data = (ARTICLES / "31290965.xml").read_bytes()
    edited = data.replace(
        b"<PubDate><Year>2019</Year><Month>Oct</Month><Day>01</Day></PubDate>",
        b"<PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate>",
    )
    assert edited != data
    assert _row(parse_pubmed(_raw(tmp_path, edited)), "31290965")["year"] == 1998


def test_year_from_article_date_when_pub_date_has_none(tmp_path: Path) -> None:
    data = (ARTICLES / "32316080.xml").read_bytes()
    edited = data.replace(b"<PubDate><Year>2020</Year>", b"<PubDate>")
    assert edited != data
    # ArticleDate DateType="Electronic" is 2020-04-28 in this record.
    assert _row(parse_pubmed(_raw(tmp_path, edited)), "32316080")["year"] == 2020


def test_no_date_at_all_gives_empty_year(tmp_path: Path) -> None:
    # 37224232 (ELEKT-D, NEJM) as stored has neither PubDate nor ArticleDate.
    assert pd.isna(
        _row(parse_pubmed(_raw(tmp_path, ARTICLES / "37224232.xml")), "37224232")["year"]
    )


def test_text_nct_ids_tolerate_spacing_and_reject_wrong_digit_counts(tmp_path: Path) -> None:
    data = (ARTICLES / "23982301.xml").read_bytes()
    sentence = (
        b"Registered as NCT 0241 7064 and NCT-02493868 (follow-up nct03434041); "
        b"not NCT0123456 nor NCT012345678."
    )
    edited = data.replace(
        b"</Abstract>", b"<AbstractText>" + sentence + b"</AbstractText></Abstract>"
    )
    row = _row(parse_pubmed(_raw(tmp_path, edited)), "23982301")
    assert row["text_nct_ids"] == "NCT02417064;NCT02493868;NCT03434041"
    assert pd.isna(row["databank_nct_ids"])


def test_duplicate_pmid_keeps_newest_revision_and_is_listed(tmp_path: Path) -> None:
    # 31290965 appears alone (efetch-0001) and in the multi-article file (efetch-0002), both
    # revised 2020-05-19: on a tie the later file wins.
    skips = SkipLog()
    df = parse_pubmed(_raw(tmp_path, ARTICLES / "31290965.xml", MULTI), skips)
    assert _row(df, "31290965")["source_file"] == "efetch-0002.xml"
    assert len(df) == 3
    assert [(s, r) for s, r, _ in skips.rows] == [("efetch-0001.xml", "PMID 31290965")]
    assert "duplicate" in skips.rows[0][2]


def test_older_revision_loses_even_when_read_later(tmp_path: Path) -> None:
    data = (ARTICLES / "31290965.xml").read_bytes()
    older = data.replace(b"<DateRevised><Year>2020</Year>", b"<DateRevised><Year>2015</Year>")
    assert older != data
    skips = SkipLog()
    df = parse_pubmed(_raw(tmp_path, MULTI, older), skips)
    assert _row(df, "31290965")["source_file"] == "efetch-0001.xml"
    assert skips.rows[0][:2] == ("efetch-0002.xml", "PMID 31290965")


def test_article_without_pmid_is_skipped_and_listed(tmp_path: Path) -> None:
    data = MULTI.read_bytes()
    edited = data.replace(b'<PMID Version="1">31166571</PMID>', b'<PMID Version="1"></PMID>', 1)
    assert edited != data
    skips = SkipLog()
    df = parse_pubmed(_raw(tmp_path, edited), skips)
    assert list(df["pmid"]) == ["31290965", "32316080"]
    assert skips.rows == [
        (
            "efetch-0001.xml",
            "PubmedArticle[0]",
            "missing or non-numeric PMID (MedlineCitation/PMID)",
        )
    ]


def test_truncated_xml_names_file_and_line(tmp_path: Path) -> None:
    raw = _raw(tmp_path, MULTI.read_bytes()[:5000])
    with pytest.raises(InputError) as info:
        parse_pubmed(raw)
    assert info.value.path == str(raw / "efetch-0001.xml")
    assert info.value.record is not None and info.value.record.startswith("line 4 column ")
    assert "not well-formed XML" in str(info.value)


def test_non_utf8_byte_names_file_and_offset(tmp_path: Path) -> None:
    data = MULTI.read_bytes()
    offset = data.index(b"TRANSFORM-1")
    raw = _raw(tmp_path, data[:offset] + b"\xff" + data[offset + 1 :])
    with pytest.raises(InputError) as info:
        parse_pubmed(raw)
    assert info.value.path == str(raw / "efetch-0001.xml")
    assert info.value.record == f"byte {offset}"


def test_element_unknown_to_the_dtd_is_an_input_error(tmp_path: Path) -> None:
    data = MULTI.read_bytes()
    edited = data.replace(b"</ArticleTitle>", b"</ArticleTitle><NotInDtd>x</NotInDtd>", 1)
    with pytest.raises(InputError, match="does not match its DTD"):
        parse_pubmed(_raw(tmp_path, edited))


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="raw PubMed folder not found"):
        parse_pubmed(tmp_path / "nowhere")


def test_cli_writes_articles_and_skipped(tmp_path: Path) -> None:
    raw = _raw(tmp_path, ARTICLES / "31290965.xml", MULTI)
    out, skipped = tmp_path / "articles.csv", tmp_path / "skipped.csv"
    status = main(
        ["parse", "pubmed", "--raw", str(raw), "--out", str(out), "--skipped", str(skipped)]
    )
    assert status == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == list(ARTICLES_COLUMNS)
    assert list(written["pmid"]) == ["31166571", "31290965", "32316080"]
    assert list(written["year"]) == ["2019", "2019", "2020"]
    listed = pd.read_csv(skipped, dtype=str)
    assert list(listed["record"]) == ["PMID 31290965"]


def test_cli_failure_leaves_no_table(tmp_path: Path) -> None:
    raw = _raw(tmp_path, MULTI, MULTI.read_bytes()[:5000])
    out = tmp_path / "articles.csv"
    assert main(["parse", "pubmed", "--raw", str(raw), "--out", str(out)]) == 2
    assert not out.exists()
    assert list(tmp_path.glob(".articles.csv.*")) == []


def test_cli_empty_folder_writes_header_only(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    out = tmp_path / "articles.csv"
    assert main(["parse", "pubmed", "--raw", str(raw), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == ",".join(ARTICLES_COLUMNS) + "\n"


def test_book_record_is_skipped_and_listed(tmp_path: Path) -> None:
    # A minimal PubmedBookArticle written for this test (elements as in the PubMed DTD),
    # appended to the real three-article efetch file.
    book = (
        b'<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>'
        b"<Book><BookTitle>GeneReviews</BookTitle><PubDate><Year>1993</Year></PubDate></Book>"
        b"<ArticleTitle>Dystrophinopathies</ArticleTitle></BookDocument>"
        b"<PubmedBookData><PublicationStatus>ppublish</PublicationStatus></PubmedBookData>"
        b"</PubmedBookArticle>"
    )
    edited = MULTI.read_bytes().replace(b"</PubmedArticleSet>", book + b"</PubmedArticleSet>")
    skips = SkipLog()
    df = parse_pubmed(_raw(tmp_path, edited), skips)
    assert list(df["pmid"]) == ["31166571", "31290965", "32316080"]
    assert skips.rows == [
        (
            "efetch-0001.xml",
            "PMID 20301295",
            "book record (PubmedBookArticle), not a journal article",
        )
    ]


def test_authors_keep_their_order_for_author_year_labels(tmp_path: Path) -> None:
    df = parse_pubmed(_raw(tmp_path, ARTICLES / "23982301.xml", ARTICLES / "40215385.xml"))
    murrough = _row(df, "23982301")["authors"].split("; ")
    assert murrough[:3] == ["Murrough JW", "Iosifescu DV", "Chang LC"]
    assert murrough[-1] == "Mathew SJ" and len(murrough) == 12
    assert _row(df, "40215385")["authors"] == "Feder A"
