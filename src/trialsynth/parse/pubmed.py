"""``articles.csv``: every PubMed article of the raw snapshot, one row per PMID.

Files are ``efetch-*.xml`` PubmedArticleSet documents, each read whole (efetch files hold at
most one batch of articles), by one of two readers that give the same table: the default
:mod:`trialsynth.parse.pubmed_stream` (the standard library's C parser, element names checked
against the DTD the file declares; about ten times faster on large snapshots) or
``Bio.Entrez.read`` (``xml_reader="biopython"``, validating against that DTD; Biopython bundles
the PubMed DTDs, so no network is used for them).

Bad input, case by case:

- a file that is not UTF-8, not well-formed XML, or has elements its DTD does not declare:
  :class:`InputError` naming the file and the byte offset or line/column; nothing is written;
- an article with a missing or non-numeric PMID, or a ``PubmedBookArticle`` (book chapters carry
  no article metadata used downstream): skipped, counted, logged and listed;
- the same PMID more than once: the record with the newest ``DateRevised`` is kept (the later one
  on a tie); the other is counted, logged and listed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from Bio import Entrez
from Bio.Entrez.Parser import CorruptedXMLError, NotXMLError, ValidationError

from trialsynth.errors import InputError
from trialsynth.parse import pubmed_stream
from trialsynth.parse.collector import cyclic_gc_paused
from trialsynth.parse.control_chars import (
    CONTROL_CHARACTERS,
    log_removed,
    strip_control_characters,
)
from trialsynth.parse.frames import rows_to_frame, write_contract_csv
from trialsynth.parse.pubmed_rows import article_to_row, revised_date
from trialsynth.parse.raw_files import decode_utf8, verify_snapshot
from trialsynth.parse.skips import SkipLog

log = logging.getLogger(__name__)

EFETCH_GLOB = "efetch-*.xml"
ARTICLES_COLUMNS: tuple[str, ...] = (
    "pmid",
    "title",
    "authors",
    "abstract",
    "journal",
    "year",
    "publication_types",
    "mesh_terms",
    "databank_nct_ids",
    "text_nct_ids",
    "doi",
    "source_file",
)
#: Reason listed for a superseded duplicate (a fixed text, so that skips count by reason).
DUPLICATE_REASON = "duplicate PMID; the record with the newest DateRevised is kept"
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LINE_COLUMN = re.compile(r"line \d+, column \d+")


def list_efetch_files(raw_dir: str | Path) -> list[Path]:
    """The ``efetch-*.xml`` files of a raw PubMed folder, in name order (may be none: a search
    with no hits fetches nothing)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(
            "raw PubMed folder not found", path=raw_dir, hint="run `trialsynth fetch pubmed` first"
        )
    files = sorted(p for p in raw_dir.glob(EFETCH_GLOB) if p.is_file())
    verify_snapshot(raw_dir, EFETCH_GLOB, files, "pubmed")
    return files


def _read_xml_bytes(path: Path) -> bytes:
    """The file's bytes; an unreadable file, or bad UTF-8 where UTF-8 is declared or implied,
    is an :class:`InputError` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc
    declared = _XML_ENCODING.match(data)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        decode_utf8(data, path)
    return data


def read_efetch_file(path: Path) -> dict[str, Any]:
    """Parse one efetch file with ``Bio.Entrez.read``; errors name the file and where.

    Returns
    -------
    dict
        With the lists ``PubmedArticle`` and ``PubmedBookArticle``.
    """
    data = _read_xml_bytes(path)
    hint = "the file is damaged or truncated; re-fetch the snapshot"
    try:
        parsed = Entrez.read(io.BytesIO(data))
    except (CorruptedXMLError, NotXMLError) as exc:
        where = _LINE_COLUMN.search(str(exc))
        raise InputError(
            "not well-formed XML",
            path=path,
            record=where.group().replace(",", "") if where else None,
            hint=hint,
        ) from exc
    except ValidationError as exc:
        raise InputError(f"does not match its DTD: {exc}", path=path, hint=hint) from exc
    except RuntimeError as exc:  # the declared DTD is neither bundled nor downloadable
        raise InputError(
            f"cannot load the DTD the file declares: {exc}",
            path=path,
            hint="update Biopython, or put the DTD in Biopython's local DTD cache",
        ) from exc
    except ValueError as exc:  # e.g. no DOCTYPE at all
        raise InputError(f"not a PubMed efetch document: {exc}", path=path, hint=hint) from exc
    if not isinstance(parsed, dict) or "PubmedArticle" not in parsed:
        raise InputError(
            "not a PubmedArticleSet (efetch with db=pubmed, retmode=xml)", path=path, hint=hint
        )
    return parsed


def _pmid_of(record: dict[str, Any]) -> str | None:
    citation = record.get("MedlineCitation") or {}
    pmid = str(citation.get("PMID") or "").strip()
    return pmid if pmid.isdigit() else None


#: The efetch readers: ``stream`` (standard-library C parser, the default) and ``biopython``
#: (``Bio.Entrez.read``); both give identical rows (tests/unit/parse/test_pubmed_stream.py).
XML_READERS = ("stream", "biopython")
#: One article as a reader gives it: (PMID or None, DateRevised, a function giving its row).
_Record = tuple[str | None, str, Callable[[str, str], dict[str, Any]]]


def _read_with_biopython(path: Path) -> tuple[list[str], list[_Record]]:
    parsed = read_efetch_file(path)
    books = [
        str((book.get("BookDocument") or {}).get("PMID") or "?")
        for book in parsed.get("PubmedBookArticle") or []
    ]
    records: list[_Record] = []
    for record in parsed["PubmedArticle"]:
        pmid = _pmid_of(record)
        revised = revised_date(record) if pmid else ""
        records.append((pmid, revised, functools.partial(article_to_row, record)))
    return books, records


def _read_with_stream(path: Path) -> tuple[list[str], list[_Record]]:
    data = _read_xml_bytes(path)
    parsed = pubmed_stream.read_efetch_tree(data, path)
    books = [pubmed_stream.book_pmid(book) for book in parsed.books]
    records: list[_Record] = []
    for element in parsed.articles:
        pmid = pubmed_stream.pmid_of(element)
        revised = pubmed_stream.revised_date(element) if pmid else ""
        records.append((pmid, revised, functools.partial(pubmed_stream.article_to_row, element)))
    return books, records


def _may_hold_control(row: dict[str, Any]) -> bool:
    """True when a text cell of ``row`` holds a control character: one search of the cells
    joined instead of one per cell and column name (the names are this module's
    :data:`ARTICLES_COLUMNS`, free of them)."""
    text = "".join([value for value in row.values() if isinstance(value, str)])
    return CONTROL_CHARACTERS.search(text) is not None


def parse_pubmed(
    raw_dir: str | Path, skips: SkipLog | None = None, xml_reader: str = "stream"
) -> pd.DataFrame:
    """Parse every ``efetch-*.xml`` in ``raw_dir`` into the ``articles.csv`` table.

    Parameters
    ----------
    raw_dir
        Raw PubMed folder (``data/raw/pubmed``).
    skips
        Collects the records left out (missing PMID, book records, superseded duplicates);
        ``None`` only logs them.
    xml_reader
        ``stream`` (:mod:`trialsynth.parse.pubmed_stream`) or ``biopython``
        (``Bio.Entrez.read``); the table is the same.

    Returns
    -------
    pandas.DataFrame
        One row per PMID, sorted by PMID (numerically), columns :data:`ARTICLES_COLUMNS`.
    """
    if xml_reader not in XML_READERS:
        raise ValueError(f"xml_reader must be one of {XML_READERS}, not {xml_reader!r}")
    read = _read_with_stream if xml_reader == "stream" else _read_with_biopython
    skips = skips if skips is not None else SkipLog()
    rows: dict[str, tuple[str, dict[str, Any]]] = {}
    files = list_efetch_files(raw_dir)
    if not files:
        log.warning("%s: no %s files; writing an empty table", raw_dir, EFETCH_GLOB)
    n_read = n_duplicates = n_skipped = 0
    # Bio.Entrez objects do hold reference cycles: only the stream reader runs without the
    # collector (with it paused, Bio.Entrez grew to 1.7 GiB on 20,000 articles).
    paused = cyclic_gc_paused() if xml_reader == "stream" else contextlib.nullcontext()
    with paused:
        for path in files:
            source = path.name
            books, records = read(path)
            for book_pmid in books:
                reason = "book record (PubmedBookArticle), not a journal article"
                skips.skip(source, f"PMID {book_pmid}", reason)
                n_skipped += 1
            for index, (pmid, revised, make_row) in enumerate(records):
                n_read += 1
                if pmid is None:
                    reason = "missing or non-numeric PMID (MedlineCitation/PMID)"
                    skips.skip(source, f"PubmedArticle[{index}]", reason)
                    n_skipped += 1
                    continue
                row = make_row(pmid, source)
                if _may_hold_control(row):
                    removed: Counter[str] = Counter()
                    row = strip_control_characters(row, removed)
                    log_removed(removed, source, f"PMID {pmid}")
                if pmid in rows:
                    n_duplicates += 1
                    old_revised, old = rows[pmid]
                    keep_new = revised >= old_revised
                    kept, dropped = (row, old) if keep_new else (old, row)
                    rows[pmid] = (revised, row) if keep_new else (old_revised, old)
                    log.info(
                        "PMID %s: keeping the record in %s (revised %s)",
                        pmid,
                        kept["source_file"],
                        max(revised, old_revised) or "not stated",
                    )
                    skips.skip(dropped["source_file"], f"PMID {pmid}", DUPLICATE_REASON)
                else:
                    rows[pmid] = (revised, row)
    log.info(
        "PubMed: %d articles read, %d kept, %d duplicates dropped, %d skipped",
        n_read,
        len(rows),
        n_duplicates,
        n_skipped,
    )
    return articles_frame([rows[k][1] for k in sorted(rows, key=int)])


def articles_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts with :data:`ARTICLES_COLUMNS`) as a typed DataFrame (``year`` ``Int64``)."""
    return rows_to_frame(rows, ARTICLES_COLUMNS, integer_columns=("year",))


def write_articles(df: pd.DataFrame, target: str | os.PathLike[str]) -> None:
    """Validate ``df`` against ``articles.schema.json`` and write it atomically."""
    write_contract_csv(df, target, "articles")
