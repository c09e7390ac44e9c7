"""A fast reader of PubMed efetch files: ``xml.etree`` (expat, C) instead of ``Bio.Entrez``.

``Bio.Entrez.read`` builds a Python object for every element while checking each element name
against the DTD; on registry-scale snapshots (tens of thousands of articles) that is most of the
parse stage's time. This reader parses each file with the standard library's C parser, checks
the element names against the same bundled DTD (Biopython's copy of the PubMed DTD the file
declares, and the modules it includes), and flattens each ``PubmedArticle`` straight from the
element tree. Its rows are identical to those of :mod:`trialsynth.parse.pubmed_rows` on
``Bio.Entrez`` objects (tests/unit/parse/test_pubmed_stream.py compares the two on every
shipped article and on a synthetic snapshot); ``trialsynth parse pubmed --xml-reader biopython``
selects the ``Bio.Entrez`` reader.

Element names follow the PubMed DTD (https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd).
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError
from trialsynth.parse.cells import join_sorted
from trialsynth.parse.nct_ids import find_nct_ids
from trialsynth.parse.pubmed_rows import CTGOV_DATABANK, accession_nct_ids, plain_text

_DOCTYPE = re.compile(rb"<!DOCTYPE\s+(\S+)\s+PUBLIC\s+\"[^\"]*\"\s+\"([^\"]+)\"")
_ELEMENT = re.compile(r"<!ELEMENT\s+(\S+)")
_INCLUDE = re.compile(r"<!ENTITY\s+%\s+\S+\s+SYSTEM\s+\"([^\"]+)\"")
_YEAR = re.compile(r"\d{4}")
_NAMESPACES = {"http://www.w3.org/1998/Math/MathML": "mml"}
_HINT = "the file is damaged or truncated; re-fetch the snapshot"


@dataclass
class EfetchFile:
    """The articles of one efetch file: journal articles and book records (elements)."""

    articles: list[ET.Element] = field(default_factory=list)
    books: list[ET.Element] = field(default_factory=list)


def _dtd_folder() -> Path:
    import Bio.Entrez

    return Path(Bio.Entrez.__file__).parent / "DTDs"


@functools.cache
def declared_elements(dtd_name: str) -> frozenset[str]:
    """Element names declared by a DTD bundled with Biopython and the modules it includes.

    MathML elements (``mml:*``) are declared by the MathML 3 DTD, which the PubMed DTD includes
    through parameter entities this scan does not expand; :func:`read_efetch_tree` accepts every
    element of the MathML namespace.
    """
    folder = _dtd_folder()
    names: set[str] = set()
    pending, seen = [dtd_name], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        text = (folder / name).read_text(encoding="utf-8", errors="replace")
        names.update(_ELEMENT.findall(text))
        pending.extend(inc for inc in _INCLUDE.findall(text) if (folder / inc).is_file())
    return frozenset(names)


def _tag_name(tag: object) -> str:
    """An element's name as the DTD spells it (``{MathML URI}math`` is ``mml:math``)."""
    if isinstance(tag, str) and tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return f"{_NAMESPACES.get(uri, uri)}:{local}"
    return str(tag)


def read_efetch_tree(data: bytes, path: Path) -> EfetchFile:
    """Parse the bytes of one efetch file; errors name the file and where.

    Raises
    ------
    InputError
        Not well-formed XML (with line and column), no DOCTYPE, a DTD not bundled with
        Biopython, an element the DTD does not declare, or a root other than PubmedArticleSet.
    """
    doctype = _DOCTYPE.search(data, 0, 4096)
    if doctype is None:
        raise InputError("not a PubMed efetch document: no DOCTYPE", path=path, hint=_HINT)
    dtd_name = doctype.group(2).decode("ascii", "replace").rsplit("/", 1)[-1]
    if not (_dtd_folder() / dtd_name).is_file():
        raise InputError(
            f"cannot load the DTD the file declares: {dtd_name} is not bundled with Biopython",
            path=path,
            hint="update Biopython, or put the DTD in Biopython's local DTD cache",
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            "not well-formed XML", path=path, record=f"line {line} column {column}", hint=_HINT
        ) from exc
    declared = declared_elements(dtd_name)
    undeclared = sorted(
        name
        for name in map(_tag_name, {e.tag for e in root.iter()})
        if name not in declared and not name.startswith("mml:")
    )
    if undeclared:
        raise InputError(
            f"does not match its DTD: element(s) {undeclared} are not declared in {dtd_name}",
            path=path,
            hint=_HINT,
        )
    if root.tag != "PubmedArticleSet":
        raise InputError(
            "not a PubmedArticleSet (efetch with db=pubmed, retmode=xml)", path=path, hint=_HINT
        )
    parsed = EfetchFile()
    for child in root:
        if child.tag == "PubmedArticle":
            parsed.articles.append(child)
        elif child.tag == "PubmedBookArticle":
            parsed.books.append(child)
    return parsed


def _text(element: ET.Element | None) -> str | None:
    """All text inside an element (inline markup dropped), as ``Bio.Entrez`` gives it."""
    if element is None:
        return None
    return "".join(element.itertext())


def _plain(element: ET.Element | None) -> str | None:
    return plain_text(_text(element)) if element is not None else None


def pmid_of(article: ET.Element) -> str | None:
    """The MedlineCitation PMID when it is numeric."""
    pmid = (_text(article.find("MedlineCitation/PMID")) or "").strip()
    return pmid if pmid.isdigit() else None


def book_pmid(book: ET.Element) -> str:
    """The PMID of a book record, ``?`` when absent."""
    return (_text(book.find("BookDocument/PMID")) or "").strip() or "?"


def revised_date(article: ET.Element) -> str:
    """``MedlineCitation/DateRevised`` as ``YYYY-MM-DD`` ("" when absent)."""
    revised = article.find("MedlineCitation/DateRevised")
    if revised is None:
        return ""
    parts = [(_text(revised.find(k)) or "").zfill(2) for k in ("Year", "Month", "Day")]
    return "-".join(parts)


def _abstract(article: ET.Element) -> str | None:
    parts = []
    for section in article.iterfind("Abstract/AbstractText"):
        text = _plain(section)
        if text is None:
            continue
        label = section.get("Label")
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _year(article: ET.Element) -> int | None:
    pub_date = article.find("Journal/JournalIssue/PubDate")
    if pub_date is not None:
        year = _text(pub_date.find("Year"))
        if year and year.strip().isdigit():
            return int(year)
        match = _YEAR.search(_text(pub_date.find("MedlineDate")) or "")
        if match:
            return int(match.group())
    for article_date in article.iterfind("ArticleDate"):
        year = _text(article_date.find("Year"))
        if year and year.strip().isdigit():
            return int(year)
    return None


def _databank_ids(article: ET.Element, pmid: str) -> list[str]:
    accessions = [
        _text(accession) or ""
        for bank in article.iterfind("DataBankList/DataBank")
        if (_text(bank.find("DataBankName")) or "").strip() == CTGOV_DATABANK
        for accession in bank.iterfind("AccessionNumberList/AccessionNumber")
    ]
    return accession_nct_ids(accessions, pmid)


def _authors(article: ET.Element) -> str | None:
    """``AuthorList`` in author order, as :func:`~trialsynth.parse.pubmed_rows.author_names`."""
    names = []
    for author in article.iterfind("AuthorList/Author"):
        last = _plain(author.find("LastName"))
        if last:
            initials = _plain(author.find("Initials"))
            names.append(f"{last} {initials}" if initials else last)
            continue
        collective = _plain(author.find("CollectiveName"))
        if collective:
            names.append(collective)
    return "; ".join(names) or None


def _doi(record: ET.Element, article: ET.Element) -> str | None:
    for article_id in record.iterfind("PubmedData/ArticleIdList/ArticleId"):
        if article_id.get("IdType") == "doi":
            return _plain(article_id)
    for location in article.iterfind("ELocationID"):
        if location.get("EIdType") == "doi":
            return _plain(location)
    return None


def article_to_row(record: ET.Element, pmid: str, source_file: str) -> dict[str, Any]:
    """Flatten one ``PubmedArticle`` element into the ``articles.csv`` columns; the same row
    as :func:`trialsynth.parse.pubmed_rows.article_to_row` gives for the ``Bio.Entrez``
    object of that element."""
    citation = record.find("MedlineCitation")
    assert citation is not None  # pmid_of found its PMID
    article = citation.find("Article")
    if article is None:
        article = ET.Element("Article")
    title = _plain(article.find("ArticleTitle"))
    abstract = _abstract(article)
    journal = article.find("Journal")
    journal_name = None
    if journal is not None:
        journal_name = _plain(journal.find("Title")) or _plain(journal.find("ISOAbbreviation"))
    mesh = [
        name.strip()
        for heading in citation.iterfind("MeshHeadingList/MeshHeading")
        if (name := _text(heading.find("DescriptorName")))
    ]
    types = [
        kind.strip()
        for element in article.iterfind("PublicationTypeList/PublicationType")
        if (kind := _text(element) or "").strip()
    ]
    return {
        "pmid": pmid,
        "title": title,
        "authors": _authors(article),
        "abstract": abstract,
        "journal": journal_name,
        "year": _year(article),
        "publication_types": join_sorted(types),
        "mesh_terms": join_sorted(mesh),
        "databank_nct_ids": join_sorted(_databank_ids(article, pmid)),
        "text_nct_ids": join_sorted(find_nct_ids(title) + find_nct_ids(abstract)),
        "doi": _doi(record, article),
        "source_file": source_file,
    }
