"""The stream reader of efetch files gives the same articles.csv, byte for byte, as Bio.Entrez.

Compared on every real article shipped with the project (``data/raw/pubmed`` and
``tests/fixtures/records/pubmed``), on a synthetic snapshot built by ``bench/synth_snapshot.py``,
on minimal edits of a real article that exercise inline markup, entities and missing parts, and
on bad input (both readers refuse the same files, naming the same place).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bench_support import synth_snapshot

from trialsynth.errors import InputError
from trialsynth.parse.pubmed import parse_pubmed, write_articles
from trialsynth.parse.skips import SkipLog

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "records" / "pubmed"
MULTI = FIXTURES / "efetch" / "efetch_pubmed_esketamine_SUSTAIN1_TRANSFORM1_SUSTAIN2.xml"
SHIPPED = [
    REPO / "data" / "raw" / "pubmed" / "efetch-0001.xml",
    *sorted((FIXTURES / "efetch").glob("*.xml")),
    *sorted((FIXTURES / "articles").glob("*.xml")),
]


def _table(raw: Path, reader: str, out: Path) -> tuple[bytes, list[tuple[str, str, str]]]:
    skips = SkipLog()
    write_articles(parse_pubmed(raw, skips, xml_reader=reader), out)
    listed = list(skips.rows)
    return out.read_bytes(), listed


def _same_with_both(raw: Path, tmp_path: Path) -> bytes:
    stream = _table(raw, "stream", tmp_path / "stream.csv")
    biopython = _table(raw, "biopython", tmp_path / "biopython.csv")
    assert stream == biopython
    return stream[0]


def _raw(tmp_path: Path, *sources: Path | bytes) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(parents=True)
    for number, source in enumerate(sources, start=1):
        data = source if isinstance(source, bytes) else source.read_bytes()
        (raw / f"efetch-{number:04d}.xml").write_bytes(data)
    return raw


def test_every_shipped_article_gives_the_same_bytes(tmp_path: Path) -> None:
    table = _same_with_both(_raw(tmp_path, *SHIPPED), tmp_path)
    assert len(pd.read_csv(io.BytesIO(table))) >= 23 + 4  # duplicates of a PMID are merged


def test_a_synthetic_snapshot_gives_the_same_bytes(tmp_path: Path) -> None:
    synth_snapshot().build(tmp_path / "snap", 200, 1500, seed=3)
    table = _same_with_both(tmp_path / "snap" / "pubmed", tmp_path)
    assert len(pd.read_csv(io.BytesIO(table))) == 1500


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # inline markup, an entity and a numeric reference inside the title
        (
            b"<ArticleTitle>",
            b"<ArticleTitle><i>In vivo</i> H<sub>2</sub>O &amp; x<sup>2</sup> &#x2019; ",
        ),
        # MathML inside an abstract section
        (
            b"<AbstractText",
            b'<AbstractText>Dose <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">'
            b"<mml:mi>k</mml:mi></mml:math> per kg.</AbstractText><AbstractText",
        ),
        # no PubDate year: the MedlineDate gives it
        (b"<PubDate><Year>", b"<PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate><Year>"),
        # a malformed accession number is logged and left out
        (b"<AccessionNumber>NCT", b"<AccessionNumber>NCTX</AccessionNumber><AccessionNumber>NCT"),
        # an article without a numeric PMID is skipped and listed
        (b'<PMID Version="1">', b'<PMID Version="1">x'),
    ],
)
def test_edited_articles_give_the_same_bytes(tmp_path: Path, old: bytes, new: bytes) -> None:
    data = MULTI.read_bytes()
    assert old in data
    _same_with_both(_raw(tmp_path, data.replace(old, new, 1)), tmp_path)


def test_duplicates_and_book_records_are_listed_alike(tmp_path: Path) -> None:
    data = MULTI.read_bytes()
    book = (
        b'<PubmedBookArticle><BookDocument><PMID Version="1">123</PMID></BookDocument>'
        b"<PubmedBookData><History/><PublicationStatus>ppublish</PublicationStatus>"
        b'<ArticleIdList><ArticleId IdType="pubmed">123</ArticleId></ArticleIdList>'
        b"</PubmedBookData></PubmedBookArticle></PubmedArticleSet>"
    )
    with_book = data.replace(b"</PubmedArticleSet>", book, 1)
    raw = _raw(tmp_path, with_book, MULTI)
    _same_with_both(raw, tmp_path)
    _, listed = _table(raw, "stream", tmp_path / "t.csv")
    reasons = sorted(reason for _, _, reason in listed)
    assert len(reasons) == 4  # one book record and three superseded duplicates
    assert reasons[0].startswith("book record")


def _errors(raw: Path) -> list[tuple[str | None, str | None]]:
    found = []
    for reader in ("stream", "biopython"):
        with pytest.raises(InputError) as info:
            parse_pubmed(raw, xml_reader=reader)
        found.append((info.value.path, info.value.record))
    return found


def test_truncated_file_names_the_same_line_and_column(tmp_path: Path) -> None:
    raw = _raw(tmp_path, MULTI.read_bytes()[:5000])
    stream, biopython = _errors(raw)
    assert stream == biopython
    assert stream[1] is not None and stream[1].startswith("line 4 column ")


def test_undeclared_element_is_refused_by_both(tmp_path: Path) -> None:
    data = MULTI.read_bytes().replace(b"</ArticleTitle>", b"</ArticleTitle><NotInDtd/>", 1)
    raw = _raw(tmp_path, data)
    with pytest.raises(InputError, match=r"does not match its DTD.*'NotInDtd'"):
        parse_pubmed(raw)
    assert len(_errors(raw)) == 2


def test_missing_doctype_and_unknown_dtd_are_refused(tmp_path: Path) -> None:
    data = MULTI.read_bytes()
    start, end = data.index(b"<!DOCTYPE"), data.index(b">", data.index(b"<!DOCTYPE")) + 1
    no_doctype = data[:start] + data[end:]
    with pytest.raises(InputError, match="no DOCTYPE"):
        parse_pubmed(_raw(tmp_path / "a", no_doctype))
    unknown = data.replace(b"pubmed_250101.dtd", b"pubmed_990101.dtd", 1)
    assert unknown != data
    with pytest.raises(InputError, match="not bundled with Biopython"):
        parse_pubmed(_raw(tmp_path / "b", unknown))


def test_unknown_reader_is_refused(tmp_path: Path) -> None:
    raw = _raw(tmp_path, MULTI)
    with pytest.raises(ValueError, match="xml_reader"):
        parse_pubmed(raw, xml_reader="fast")
    shutil.rmtree(raw)
