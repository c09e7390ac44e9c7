"""Study labels as a review cites them: first author and year of the study's publication.

A study with a linked PubMed record is labelled ``"Surname Year"`` from its earliest publication
(the first author of that article, as PubMed lists it); a study with none is labelled by its
registry acronym, else its NCT ID (or PMID). Two studies that would share a label get ``a``,
``b``, ... in the order of their study IDs (Cochrane Handbook 4.5, "Smith 2019a").
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from string import ascii_lowercase


def _split(cell: object) -> list[str]:
    text = "" if cell is None else str(cell)
    return [part.strip() for part in text.split(";") if part.strip()]


def _first_author_surname(authors: object) -> str | None:
    names = [name.strip() for name in str(authors or "").split("; ") if name.strip()]
    if not names:
        return None
    first = names[0]
    parts = first.rsplit(" ", 1)
    # "Last Initials": drop the initials (upper-case letters only); a collective name stays whole.
    if len(parts) == 2 and parts[1].isupper() and parts[1].isalpha() and len(parts[1]) <= 4:
        return parts[0]
    return first


def author_year_label(
    study_id: str,
    nct_ids: Iterable[str],
    pmids: Iterable[str],
    articles: Mapping[str, Mapping[str, object]],
    acronyms: Mapping[str, str],
) -> str:
    """The label of one study before disambiguation (see the module docstring)."""
    dated = []
    for pmid in pmids:
        article = articles.get(pmid)
        if not article:
            continue
        surname = _first_author_surname(article.get("authors"))
        year = str(article.get("year") or "").strip()
        if surname:
            # "n.d." (no date) sorts after every year: a dated report names the study first.
            label = f"{surname} {year}" if year else f"{surname} n.d."
            dated.append((year or "9999", int(pmid) if pmid.isdigit() else 0, label))
    if dated:
        return min(dated)[2]
    for nct_id in nct_ids:
        acronym = str(acronyms.get(nct_id) or "").strip()
        if acronym:
            return acronym
    nct_list = list(nct_ids)
    return nct_list[0] if nct_list else study_id


def study_labels(
    studies: Iterable[Mapping[str, object]],
    articles: Iterable[Mapping[str, object]],
    trials: Iterable[Mapping[str, object]],
) -> dict[str, str]:
    """``study_id -> label`` for every study of ``studies.csv``.

    Parameters
    ----------
    studies
        Rows of ``studies.csv`` (``study_id, nct_ids, pmids``).
    articles
        Rows of ``articles.csv`` (``pmid, authors, year``).
    trials
        Rows of ``trials.csv`` (``nct_id, acronym``).
    """
    by_pmid = {str(row["pmid"]): row for row in articles}
    acronyms = {str(row["nct_id"]): str(row.get("acronym") or "") for row in trials}
    raw: dict[str, str] = {}
    for row in studies:
        study_id = str(row["study_id"])
        raw[study_id] = author_year_label(
            study_id, _split(row.get("nct_ids")), _split(row.get("pmids")), by_pmid, acronyms
        )
    holders: dict[str, list[str]] = defaultdict(list)
    for study_id in sorted(raw):
        holders[raw[study_id]].append(study_id)
    labels = {}
    for label, ids in holders.items():
        if len(ids) == 1:
            labels[ids[0]] = label
            continue
        for index, study_id in enumerate(ids):
            labels[study_id] = f"{label}{ascii_lowercase[index % 26]}"
    return labels


def read_study_labels(path: str | os.PathLike[str]) -> dict[str, str]:
    """``study_id -> label`` from the ``study_labels.csv`` that ``trialsynth link --out-labels``
    wrote (validated against its schema)."""
    from trialsynth.tables import read_table

    table = read_table(path, "study_labels")
    return dict(zip(table["study_id"].astype(str), table["label"].astype(str), strict=True))
