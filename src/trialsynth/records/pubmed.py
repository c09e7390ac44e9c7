"""``articles.csv``: every PubMed article of the raw snapshot, one row per PMID.

Files are ``efetch-*.xml`` PubmedArticleSet documents, parsed with ``Bio.Entrez.read`` (validating
against the DTD the file declares; Biopython bundles the PubMed DTDs, so no network is used for
them). ``Bio.Entrez.parse`` cannot stream a PubmedArticleSet (it is not a plain list), so each file
is read whole; efetch files hold at most one batch of articles.

Bad input, case by case:

- a file that is not UTF-8, not well-formed XML, or has elements its DTD does not declare:
  :class:`InputError` naming the file and the byte offset or line/column; nothing is written;
- an article with a missing or non-numeric PMID, or a ``PubmedBookArticle`` (book chapters carry
  no article metadata used downstream): skipped, counted, logged and listed;
- the same PMID more than once: the record with the newest ``DateRevised`` is kept (the later one
  on a tie); the other is counted, logged and listed.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from Bio import Entrez
from Bio.Entrez.Parser import CorruptedXMLError, NotXMLError, ValidationError

from trialsynth.errors import InputError
from trialsynth.records.control_chars import log_removed, strip_control_characters
from trialsynth.records.frames import rows_to_frame, write_contract_csv
from trialsynth.records.pubmed_rows import article_to_row, revised_date
from trialsynth.records.raw_files import decode_utf8, verify_snapshot
from trialsynth.records.skips import SkipLog

log = logging.getLogger(__name__)

EFETCH_GLOB = "efetch-*.xml"
ARTICLES_COLUMNS: tuple[str, ...] = (
    "pmid",
    "title",
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


def read_efetch_file(path: Path) -> dict[str, Any]:
    """Parse one efetch file with ``Bio.Entrez.read``; errors name the file and where.

    Returns
    -------
    dict
        With the lists ``PubmedArticle`` and ``PubmedBookArticle``.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc
    declared = _XML_ENCODING.match(data)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        decode_utf8(data, path)
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


def parse_pubmed(raw_dir: str | Path, skips: SkipLog | None = None) -> pd.DataFrame:
    """Parse every ``efetch-*.xml`` in ``raw_dir`` into the ``articles.csv`` table.

    Parameters
    ----------
    raw_dir
        Raw PubMed folder (``data/raw/pubmed``).
    skips
        Collects the records left out (missing PMID, book records, superseded duplicates);
        ``None`` only logs them.

    Returns
    -------
    pandas.DataFrame
        One row per PMID, sorted by PMID (numerically), columns :data:`ARTICLES_COLUMNS`.
    """
    skips = skips if skips is not None else SkipLog()
    rows: dict[str, tuple[str, dict[str, Any]]] = {}
    files = list_efetch_files(raw_dir)
    if not files:
        log.warning("%s: no %s files; writing an empty table", raw_dir, EFETCH_GLOB)
    n_read = n_duplicates = n_skipped = 0
    for path in files:
        source = path.name
        parsed = read_efetch_file(path)
        for book in parsed.get("PubmedBookArticle") or []:
            book_pmid = str((book.get("BookDocument") or {}).get("PMID") or "?")
            reason = "book record (PubmedBookArticle), not a journal article"
            skips.skip(source, f"PMID {book_pmid}", reason)
            n_skipped += 1
        for index, record in enumerate(parsed["PubmedArticle"]):
            n_read += 1
            pmid = _pmid_of(record)
            if pmid is None:
                reason = "missing or non-numeric PMID (MedlineCitation/PMID)"
                skips.skip(source, f"PubmedArticle[{index}]", reason)
                n_skipped += 1
                continue
            revised = revised_date(record)
            removed: Counter[str] = Counter()
            row = strip_control_characters(article_to_row(record, pmid, source), removed)
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
