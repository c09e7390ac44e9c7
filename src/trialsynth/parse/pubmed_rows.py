"""One PubMed efetch article (as parsed by ``Bio.Entrez.read``) -> one row of ``articles.csv``.

Element names follow the PubMed DTD (https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd)
and the MEDLINE/PubMed element descriptions
(https://www.nlm.nih.gov/bsd/licensee/elements_descriptions.html). ``Bio.Entrez`` gives element
text as ``StringElement`` (a ``str``) with the XML attributes (``Label``, ``IdType``) in
``.attributes``, and keeps inline markup such as ``<i>``/``<sup>`` as literal tags, which are
removed here so that titles and abstracts are plain text.
"""

from __future__ import annotations

import logging
import re
from typing import Any

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
    text = _INLINE_MARKUP.sub("", str(value)).strip()
    return text or None


def attribute(element: Any, name: str) -> str | None:
    """An XML attribute of a ``Bio.Entrez`` element (``.attributes``), or None."""
    attributes = getattr(element, "attributes", None) or {}
    value = attributes.get(name)
    return None if value is None else str(value)


def abstract_text(article: dict[str, Any]) -> str | None:
    """The abstract: sections in document order, labelled ones as ``LABEL: text``, one per line."""
    sections = (article.get("Abstract") or {}).get("AbstractText") or []
    parts = []
    for section in sections:
        text = plain_text(section)
        if text is None:
            continue
        label = attribute(section, "Label")
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def journal_name(article: dict[str, Any]) -> str | None:
    """``Journal/Title``, else the ``Journal/ISOAbbreviation`` when the record has no title."""
    journal = article.get("Journal") or {}
    return plain_text(journal.get("Title")) or plain_text(journal.get("ISOAbbreviation"))


def author_names(article: dict[str, Any]) -> str | None:
    """``AuthorList`` in its order as ``"Last Initials"`` (a collective name as written), joined
    by ``"; "`` (kept in author order, not sorted: the first author names the study)."""
    names = []
    for author in article.get("AuthorList") or []:
        last = plain_text(author.get("LastName"))
        if last:
            initials = plain_text(author.get("Initials"))
            names.append(f"{last} {initials}" if initials else last)
            continue
        collective = plain_text(author.get("CollectiveName"))
        if collective:
            names.append(collective)
    return "; ".join(names) or None


def publication_year(article: dict[str, Any]) -> int | None:
    """``PubDate/Year``, else the first 4 digits of ``PubDate/MedlineDate`` ("1998 Dec-1999 Jan"),
    else ``ArticleDate/Year`` (the electronic publication date)."""
    pub_date = ((article.get("Journal") or {}).get("JournalIssue") or {}).get("PubDate") or {}
    year = pub_date.get("Year")
    if year and str(year).strip().isdigit():
        return int(year)
    match = _YEAR.search(str(pub_date.get("MedlineDate") or ""))
    if match:
        return int(match.group())
    for article_date in article.get("ArticleDate") or []:
        year = article_date.get("Year")
        if year and str(year).strip().isdigit():
            return int(year)
    return None


def databank_nct_ids(article: dict[str, Any], pmid: str) -> list[str]:
    """Accession numbers of the ``ClinicalTrials.gov`` data bank, normalised; malformed ones are
    logged and left out."""
    accessions = [
        str(accession)
        for bank in article.get("DataBankList") or []
        if str(bank.get("DataBankName", "")).strip() == CTGOV_DATABANK
        for accession in bank.get("AccessionNumberList") or []
    ]
    return accession_nct_ids(accessions, pmid)


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


def article_doi(record: dict[str, Any], article: dict[str, Any]) -> str | None:
    """DOI from ``PubmedData/ArticleIdList`` (``IdType="doi"``), else ``ELocationID``."""
    for article_id in (record.get("PubmedData") or {}).get("ArticleIdList") or []:
        if attribute(article_id, "IdType") == "doi":
            return plain_text(article_id)
    for location in article.get("ELocationID") or []:
        if attribute(location, "EIdType") == "doi":
            return plain_text(location)
    return None


def revised_date(record: dict[str, Any]) -> str:
    """``MedlineCitation/DateRevised`` as ``YYYY-MM-DD`` ("" when absent), to pick among
    duplicates of one PMID."""
    revised = record["MedlineCitation"].get("DateRevised") or {}
    parts = [str(revised.get(k, "")).zfill(2) for k in ("Year", "Month", "Day")]
    return "-".join(parts) if revised else ""


def article_to_row(record: dict[str, Any], pmid: str, source_file: str) -> dict[str, Any]:
    """Flatten one ``PubmedArticle`` into the ``articles.csv`` columns (docs/architecture.md).

    Parameters
    ----------
    record
        One item of ``Entrez.read(...)["PubmedArticle"]``.
    pmid
        Its validated PMID.
    source_file
        Name of the efetch file it came from.
    """
    citation = record["MedlineCitation"]
    article = citation.get("Article") or {}
    title = plain_text(article.get("ArticleTitle"))
    abstract = abstract_text(article)
    mesh = [
        str(heading["DescriptorName"]).strip()
        for heading in citation.get("MeshHeadingList") or []
        if heading.get("DescriptorName")
    ]
    types = [str(t).strip() for t in article.get("PublicationTypeList") or [] if str(t).strip()]
    text_ids = find_nct_ids(title) + find_nct_ids(abstract)
    return {
        "pmid": pmid,
        "title": title,
        "authors": author_names(article),
        "abstract": abstract,
        "journal": journal_name(article),
        "year": publication_year(article),
        "publication_types": join_sorted(types),
        "mesh_terms": join_sorted(mesh),
        "databank_nct_ids": join_sorted(databank_nct_ids(article, pmid)),
        "text_nct_ids": join_sorted(text_ids),
        "doi": article_doi(record, article),
        "source_file": source_file,
    }
