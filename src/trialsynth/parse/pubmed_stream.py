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
import operator
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError
from trialsynth.parse.pubmed_rows import ArticleParts, Author, article_row

_DOCTYPE = re.compile(rb"<!DOCTYPE\s+(\S+)\s+PUBLIC\s+\"[^\"]*\"\s+\"([^\"]+)\"")
_ELEMENT = re.compile(r"<!ELEMENT\s+(\S+)")
_INCLUDE = re.compile(r"<!ENTITY\s+%\s+\S+\s+SYSTEM\s+\"([^\"]+)\"")
_NAMESPACES = {"http://www.w3.org/1998/Math/MathML": "mml"}
_HINT = "the file is damaged or truncated; re-fetch the snapshot"
_TAG = operator.attrgetter("tag")


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
        for name in map(_tag_name, set(map(_TAG, root.iter())))
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
    if not len(element):  # no child elements: its own text is all itertext() would give
        return element.text or ""
    return "".join(element.itertext())


#: The children of an ``Author`` that its row uses, by their place in :class:`Author`.
_AUTHOR_PARTS = {"LastName": 0, "Initials": 1, "CollectiveName": 2}


def _author(author: ET.Element) -> Author:
    """An ``Author``'s first ``LastName``, ``Initials`` and ``CollectiveName`` (as ``find``
    picks each), gathered in one pass over its children."""
    parts: list[ET.Element | None] = [None, None, None]
    for child in author:
        slot = _AUTHOR_PARTS.get(child.tag)
        if slot is not None and parts[slot] is None:
            parts[slot] = child
    return Author(_text(parts[0]), _text(parts[1]), _text(parts[2]))


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


def article_to_row(record: ET.Element, pmid: str, source_file: str) -> dict[str, Any]:
    """Flatten one ``PubmedArticle`` element into the ``articles.csv`` columns
    (:func:`trialsynth.parse.pubmed_rows.article_row`, as the ``Bio.Entrez`` reader does)."""
    citation = record.find("MedlineCitation")
    assert citation is not None  # pmid_of found its PMID
    article = citation.find("Article")
    if article is None:
        article = ET.Element("Article")
    journal = article.find("Journal")
    if journal is None:
        journal = ET.Element("Journal")
    pub_date = journal.find("JournalIssue/PubDate")
    if pub_date is None:
        pub_date = ET.Element("PubDate")
    parts = ArticleParts(
        title=_text(article.find("ArticleTitle")),
        abstract=[(s.get("Label"), _text(s)) for s in article.iterfind("Abstract/AbstractText")],
        journal_title=_text(journal.find("Title")),
        journal_abbreviation=_text(journal.find("ISOAbbreviation")),
        authors=[_author(a) for a in article.iterfind("AuthorList/Author")],
        pub_year=_text(pub_date.find("Year")),
        medline_date=_text(pub_date.find("MedlineDate")),
        article_date_years=[_text(d.find("Year")) for d in article.iterfind("ArticleDate")],
        publication_types=[
            _text(t) or "" for t in article.iterfind("PublicationTypeList/PublicationType")
        ],
        mesh_headings=[
            _text(h.find("DescriptorName"))
            for h in citation.iterfind("MeshHeadingList/MeshHeading")
        ],
        databanks=[
            (
                _text(bank.find("DataBankName")) or "",
                [_text(a) or "" for a in bank.iterfind("AccessionNumberList/AccessionNumber")],
            )
            for bank in article.iterfind("DataBankList/DataBank")
        ],
        article_ids=[
            (i.get("IdType"), _text(i))
            for i in record.iterfind("PubmedData/ArticleIdList/ArticleId")
        ],
        locations=[(loc.get("EIdType"), _text(loc)) for loc in article.iterfind("ELocationID")],
    )
    return article_row(parts, pmid, source_file)
