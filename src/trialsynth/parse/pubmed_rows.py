"""One PubMed efetch article -> one row of ``articles.csv``, for both readers of efetch files.

Element names follow the PubMed DTD (https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd)
and the MEDLINE/PubMed element descriptions
(https://www.nlm.nih.gov/bsd/licensee/elements_descriptions.html). ``Bio.Entrez`` gives element
text as ``StringElement`` (a ``str``) with the XML attributes (``Label``, ``IdType``) in
``.attributes``, and keeps inline markup such as ``<i>``/``<sup>`` as literal tags, which are
removed here so that titles and abstracts are plain text. Each reader gathers an article's
elements into :class:`ArticleParts`; :func:`article_row` builds the row from them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from trialsynth.parse.cells import join_sorted
from trialsynth.parse.nct_ids import find_nct_ids, normalise_nct_id

log = logging.getLogger(__name__)

CTGOV_DATABANK = "ClinicalTrials.gov"
#: Inline formatting and MathML tags. Bio.Entrez gives MathML without its ``mml:`` prefix
#: (``<math xmlns=...><mi>k</mi></math>``), so MathML names match with or without it.
_INLINE_MARKUP = re.compile(
    r"</?(?:i|b|u|sup|sub|(?:mml:)?(?:math|m[a-z]+|semantics|annotation(?:-xml)?|none))"
    r"(?:\s[^<>]*)?/?>"
)
_YEAR = re.compile(r"\d{4}")


def plain_text(value: Any) -> str | None:
    """Element text without inline formatting tags, stripped; None when empty."""
    if value is None:
        return None
    text = str(value)
    if "<" in text:  # every tag starts with one: most texts have none to remove
        text = _INLINE_MARKUP.sub("", text)
    return text.strip() or None


def attribute(element: Any, name: str) -> str | None:
    """An XML attribute of a ``Bio.Entrez`` element (``.attributes``), or None."""
    attributes = getattr(element, "attributes", None) or {}
    value = attributes.get(name)
    return None if value is None else str(value)


class Author(NamedTuple):
    """One ``AuthorList/Author``: ``LastName`` and ``Initials``, or a ``CollectiveName`` (a
    named tuple: an article has a dozen, built 5 times faster than a frozen dataclass)."""

    last: Any = None
    initials: Any = None
    collective: Any = None


@dataclass(frozen=True)
class ArticleParts:
    """The elements of one ``PubmedArticle`` its row is built from, in document order.

    Each reader (``Bio.Entrez`` objects here, element trees in :mod:`.pubmed_stream`) fills
    these with the element text as it has it (``None`` for an absent element); :func:`article_row`
    turns them into the row, so the two readers cannot drift apart.
    """

    title: Any = None
    #: ``Abstract/AbstractText`` sections as ``(Label, text)``.
    abstract: list[tuple[str | None, Any]] = field(default_factory=list)
    journal_title: Any = None
    journal_abbreviation: Any = None
    authors: list[Author] = field(default_factory=list)
    #: ``Journal/JournalIssue/PubDate``: ``Year`` and ``MedlineDate``.
    pub_year: Any = None
    medline_date: Any = None
    #: ``ArticleDate/Year`` of each electronic publication date.
    article_date_years: list[Any] = field(default_factory=list)
    publication_types: list[Any] = field(default_factory=list)
    #: ``MeshHeadingList/MeshHeading/DescriptorName``.
    mesh_headings: list[Any] = field(default_factory=list)
    #: ``DataBankList/DataBank`` as ``(DataBankName, [AccessionNumber, ...])``.
    databanks: list[tuple[str, list[str]]] = field(default_factory=list)
    #: ``PubmedData/ArticleIdList/ArticleId`` as ``(IdType, text)``.
    article_ids: list[tuple[str | None, Any]] = field(default_factory=list)
    #: ``ELocationID`` as ``(EIdType, text)``.
    locations: list[tuple[str | None, Any]] = field(default_factory=list)


def _abstract_text(sections: list[tuple[str | None, Any]]) -> str | None:
    """The abstract: sections in document order, labelled ones as ``LABEL: text``, one per line."""
    parts = []
    for label, section in sections:
        text = plain_text(section)
        if text is None:
            continue
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _author_names(authors: list[Author]) -> str | None:
    """Authors in their order as ``"Last Initials"`` (a collective name as written), joined by
    ``"; "`` (kept in author order, not sorted: the first author names the study)."""
    names = []
    for author in authors:
        last = plain_text(author.last)
        if last:
            initials = plain_text(author.initials)
            names.append(f"{last} {initials}" if initials else last)
            continue
        collective = plain_text(author.collective)
        if collective:
            names.append(collective)
    return "; ".join(names) or None


def _year(text: Any) -> int | None:
    return int(text) if text and str(text).strip().isdigit() else None


def _publication_year(parts: ArticleParts) -> int | None:
    """``PubDate/Year``, else the first 4 digits of ``PubDate/MedlineDate`` ("1998 Dec-1999 Jan"),
    else ``ArticleDate/Year`` (the electronic publication date)."""
    year = _year(parts.pub_year)
    if year is not None:
        return year
    match = _YEAR.search(str(parts.medline_date or ""))
    if match:
        return int(match.group())
    for text in parts.article_date_years:
        year = _year(text)
        if year is not None:
            return year
    return None


def accession_nct_ids(accessions: list[str], pmid: str) -> list[str]:
    """The NCT IDs among ClinicalTrials.gov accession numbers, normalised and sorted; malformed
    ones are logged and left out."""
    found = set()
    for accession in accessions:
        nct_id = normalise_nct_id(accession)
        if nct_id is None:
            log.warning("PMID %s: DataBankList accession %r is not an NCT ID", pmid, accession)
        else:
            found.add(nct_id)
    return sorted(found)


def _doi(parts: ArticleParts) -> str | None:
    """DOI from ``PubmedData/ArticleIdList`` (``IdType="doi"``), else ``ELocationID``."""
    for kind, text in [*parts.article_ids, *parts.locations]:
        if kind == "doi":
            return plain_text(text)
    return None


def article_row(parts: ArticleParts, pmid: str, source_file: str) -> dict[str, Any]:
    """One row of ``articles.csv`` (docs/architecture.md) from the parts of an article.

    Parameters
    ----------
    parts
        The article's elements, as a reader found them.
    pmid
        Its validated PMID.
    source_file
        Name of the efetch file it came from.
    """
    title = plain_text(parts.title)
    abstract = _abstract_text(parts.abstract)
    mesh = [str(name).strip() for name in parts.mesh_headings if name]
    types = [str(t).strip() for t in parts.publication_types if str(t).strip()]
    accessions = [
        accession
        for name, numbers in parts.databanks
        if name.strip() == CTGOV_DATABANK
        for accession in numbers
    ]
    return {
        "pmid": pmid,
        "title": title,
        "authors": _author_names(parts.authors),
        "abstract": abstract,
        "journal": plain_text(parts.journal_title) or plain_text(parts.journal_abbreviation),
        "year": _publication_year(parts),
        "publication_types": join_sorted(types),
        "mesh_terms": join_sorted(mesh),
        "databank_nct_ids": join_sorted(accession_nct_ids(accessions, pmid)),
        "text_nct_ids": join_sorted(find_nct_ids(title) + find_nct_ids(abstract)),
        "doi": _doi(parts),
        "source_file": source_file,
    }


def revised_date(record: dict[str, Any]) -> str:
    """``MedlineCitation/DateRevised`` as ``YYYY-MM-DD`` ("" when absent), to pick among
    duplicates of one PMID."""
    revised = record["MedlineCitation"].get("DateRevised") or {}
    parts = [str(revised.get(k, "")).zfill(2) for k in ("Year", "Month", "Day")]
    return "-".join(parts) if revised else ""


def article_to_row(record: dict[str, Any], pmid: str, source_file: str) -> dict[str, Any]:
    """Flatten one ``PubmedArticle`` (an item of ``Entrez.read(...)["PubmedArticle"]``) into the
    ``articles.csv`` columns (:func:`article_row`)."""
    citation = record["MedlineCitation"]
    article = citation.get("Article") or {}
    journal = article.get("Journal") or {}
    pub_date = (journal.get("JournalIssue") or {}).get("PubDate") or {}
    parts = ArticleParts(
        title=article.get("ArticleTitle"),
        abstract=[
            (attribute(section, "Label"), section)
            for section in (article.get("Abstract") or {}).get("AbstractText") or []
        ],
        journal_title=journal.get("Title"),
        journal_abbreviation=journal.get("ISOAbbreviation"),
        authors=[
            Author(a.get("LastName"), a.get("Initials"), a.get("CollectiveName"))
            for a in article.get("AuthorList") or []
        ],
        pub_year=pub_date.get("Year"),
        medline_date=pub_date.get("MedlineDate"),
        article_date_years=[d.get("Year") for d in article.get("ArticleDate") or []],
        publication_types=list(article.get("PublicationTypeList") or []),
        mesh_headings=[h.get("DescriptorName") for h in citation.get("MeshHeadingList") or []],
        databanks=[
            (
                str(bank.get("DataBankName", "")),
                [str(a) for a in bank.get("AccessionNumberList") or []],
            )
            for bank in article.get("DataBankList") or []
        ],
        article_ids=[
            (attribute(i, "IdType"), i)
            for i in (record.get("PubmedData") or {}).get("ArticleIdList") or []
        ],
        locations=[(attribute(loc, "EIdType"), loc) for loc in article.get("ELocationID") or []],
    )
    return article_row(parts, pmid, source_file)
