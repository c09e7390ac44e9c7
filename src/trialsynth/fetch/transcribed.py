"""Build the shipped raw snapshot (``data/raw/``) from transcribed records, in exactly the
layout a live fetch writes, with the same atomic snapshot writer.

CT.gov: every ``NCT*.json`` record (API v2 study layout) kept exactly as given, sorted by NCT
ID, in one ``page-0001.json`` ``{"studies": [...], "totalCount": N}``. PubMed: every
``PubmedArticle`` of the given efetch files (verbatim), de-duplicated by PMID and sorted by
PMID, in one ``efetch-0001.xml`` PubmedArticleSet, plus an ``esearch-0001.xml`` in the
eSearchResult shape listing those PMIDs. Each folder gets a copy of its ``provenance.csv``
and a manifest whose ``source`` says it is a transcribed snapshot, not a live API response.

Timestamps are fixed (the newest ``lastUpdatePostDate`` / ``DateRevised`` in the records, or
``--timestamp``), so a rebuild is byte-identical.

Usage::

    python -m trialsynth.fetch.transcribed --ctgov-records DIR --pubmed DIR --out data/raw
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError, TrialsynthError
from trialsynth.fetch.snapshot import SnapshotWriter, json_bytes
from trialsynth.log import configure_logging
from trialsynth.parse.ctgov_pages import last_update_post_date
from trialsynth.parse.nct_ids import study_nct_id

log = logging.getLogger(__name__)

PROVENANCE = "provenance.csv"
ESEARCH_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n'
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
#: The DOCTYPE of the efetch files; Biopython bundles ``pubmed_250101.dtd``, so the file
#: parses with ``Bio.Entrez.read`` offline.
EFETCH_HEAD = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
_ARTICLE = re.compile(rb"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.S)
_PMID = re.compile(rb"<PMID[^>]*>\s*(\d+)\s*</PMID>")
_REVISED = re.compile(
    rb"<DateRevised>\s*<Year>(\d{4})</Year>\s*<Month>(\d{1,2})</Month>\s*<Day>(\d{1,2})</Day>"
)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _source_text(what: str, count: int) -> str:
    return (
        f"transcribed snapshot: {count} {what} transcribed from public pages into the layout "
        "of a live fetch; NOT a live API response. The page(s) behind every record are listed "
        f"in {PROVENANCE} in this folder."
    )


def load_ctgov_records(folder: Path) -> list[dict[str, Any]]:
    """The ``NCT*.json`` study records of ``folder``, sorted by NCT ID.

    Raises
    ------
    InputError
        A file is not JSON, has no NCT ID, or its NCT ID differs from its file name.
    """
    records = []
    files = sorted(folder.glob("NCT*.json"))
    if not files:
        raise InputError("no NCT*.json records found", path=folder)
    for path in files:
        try:
            study = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc}", path=path) from exc
        ident = study_nct_id(study)
        if ident != path.stem:
            raise InputError(
                f"protocolSection.identificationModule.nctId is {ident!r}",
                path=path,
                hint="name the file after the record's NCT ID",
            )
        records.append(study)
    return sorted(records, key=lambda s: str(study_nct_id(s)))


def load_pubmed_articles(folder: Path) -> dict[int, bytes]:
    """``{pmid: PubmedArticle XML}`` from every ``*.xml`` efetch file in ``folder`` and its
    ``articles/`` subfolder, verbatim; a PMID seen twice must have identical XML.

    Raises
    ------
    InputError
        A file holds no article, or one PMID comes with two different texts.
    """
    files = sorted(folder.glob("*.xml")) + sorted((folder / "articles").glob("*.xml"))
    if not files:
        raise InputError("no efetch *.xml files found", path=folder)
    articles: dict[int, bytes] = {}
    for path in files:
        found = [m.group(0) for m in _ARTICLE.finditer(path.read_bytes())]
        if not found:
            raise InputError("no PubmedArticle in the file", path=path)
        for article in found:
            match = _PMID.search(article)
            if match is None:
                raise InputError("a PubmedArticle has no PMID", path=path)
            pmid = int(match.group(1))
            if pmid in articles and articles[pmid] != article:
                raise InputError(
                    "the same PMID appears with different XML",
                    path=path,
                    record=f"PMID {pmid}",
                    hint="keep one version of the record",
                )
            articles[pmid] = article
    return dict(sorted(articles.items()))


def ctgov_timestamp(records: list[dict[str, Any]]) -> str:
    """The newest ``lastUpdatePostDate`` of the records as a UTC timestamp."""
    dates = sorted(d for d in (last_update_post_date(s) for s in records) if len(d) == 10)
    if not dates:
        raise InputError("no record has a full lastUpdatePostDate", hint="give --timestamp")
    return f"{dates[-1]}T00:00:00Z"


def pubmed_timestamp(articles: dict[int, bytes]) -> str:
    """The newest ``DateRevised`` of the articles as a UTC timestamp."""
    dates = sorted(
        f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
        for article in articles.values()
        for y, m, d in _REVISED.findall(article)
    )
    if not dates:
        raise InputError("no article has a DateRevised", hint="give --timestamp")
    return f"{dates[-1]}T00:00:00Z"


def esearch_document(pmids: Sequence[int]) -> bytes:
    """An eSearchResult (the real E-utilities shape) listing ``pmids``."""
    ids = "".join(f"<Id>{pmid}</Id>\n" for pmid in pmids)
    text = (
        f"{ESEARCH_HEAD}<eSearchResult><Count>{len(pmids)}</Count><RetMax>{len(pmids)}</RetMax>"
        f"<RetStart>0</RetStart><IdList>\n{ids}</IdList><TranslationSet/>"
        "<QueryTranslation></QueryTranslation></eSearchResult>\n"
    )
    return text.encode("utf-8")


def efetch_document(articles: dict[int, bytes]) -> bytes:
    """One PubmedArticleSet holding ``articles`` in PMID order."""
    body = b"\n".join(articles[pmid] for pmid in sorted(articles))
    return EFETCH_HEAD.encode() + b"<PubmedArticleSet>\n" + body + b"\n</PubmedArticleSet>\n"


def _manifest(source: str, timestamp: str, count: int, query: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": source,
        "provenance": PROVENANCE,
        "base_url": None,
        "query": query,
        "requests": [],
        "api_version": None,
        "data_timestamp": timestamp,
        "counts": {"expected": count, "received": count},
        "started_utc": timestamp,
        "finished_utc": timestamp,
    }


def _provenance(folder: Path) -> bytes:
    path = folder / PROVENANCE
    if not path.exists():
        raise InputError(f"{PROVENANCE} not found", path=path, hint="it must sit beside the data")
    return path.read_bytes()


#: The manifests' ``query.selection`` when the command line gives none.
DEFAULT_SELECTION = "records chosen by hand for the review (see the README)"


def build_ctgov(
    records_dir: Path,
    out: Path,
    timestamp: str | None = None,
    selection: str = DEFAULT_SELECTION,
) -> dict[str, Any]:
    """Write the transcribed CT.gov snapshot to ``out`` (atomically); return its manifest.
    ``selection`` says how the records were chosen (the manifest's ``query.selection``)."""
    records = load_ctgov_records(records_dir)
    page = json_bytes({"studies": records, "totalCount": len(records)})
    return _write_snapshot(
        out,
        {"page-0001.json": page},
        records_dir,
        _source_text("ClinicalTrials.gov study records (API v2 layout)", len(records)),
        timestamp or ctgov_timestamp(records),
        len(records),
        selection,
    )


def build_pubmed(
    pubmed_dir: Path,
    out: Path,
    timestamp: str | None = None,
    selection: str = DEFAULT_SELECTION,
) -> dict[str, Any]:
    """Write the transcribed PubMed snapshot to ``out`` (atomically); return its manifest.
    ``selection`` says how the records were chosen (the manifest's ``query.selection``)."""
    articles = load_pubmed_articles(pubmed_dir)
    files = {
        "esearch-0001.xml": esearch_document(list(articles)),
        "efetch-0001.xml": efetch_document(articles),
    }
    return _write_snapshot(
        out,
        files,
        pubmed_dir,
        _source_text("PubMed records (efetch XML)", len(articles)),
        timestamp or pubmed_timestamp(articles),
        len(articles),
        selection,
    )


def _write_snapshot(
    out: Path,
    files: dict[str, bytes],
    source_dir: Path,
    source: str,
    stamp: str,
    count: int,
    selection: str,
) -> dict[str, Any]:
    """Write ``files`` and the provenance list of ``source_dir`` as one snapshot (atomically);
    return its manifest (``count`` records, chosen as ``selection`` says)."""
    with SnapshotWriter(out) as snapshot:
        for name, data in files.items():
            snapshot.write_bytes(name, data)
        snapshot.write_bytes(PROVENANCE, _provenance(source_dir))
        return snapshot.commit(_manifest(source, stamp, count, {"selection": selection}))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the builder."""
    parser = argparse.ArgumentParser(
        prog="python -m trialsynth.fetch.transcribed",
        description="Build data/raw/ctgov and data/raw/pubmed from transcribed records.",
    )
    parser.add_argument("--ctgov-records", type=Path, required=True, metavar="DIR")
    parser.add_argument("--pubmed", type=Path, required=True, metavar="DIR")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="e.g. data/raw")
    for source in ("ctgov", "pubmed"):
        parser.add_argument(
            f"--{source}-selection",
            default=DEFAULT_SELECTION,
            metavar="TEXT",
            help=f"how the {source} records were chosen, written to the manifest "
            f"(default: {DEFAULT_SELECTION!r})",
        )
    parser.add_argument(
        "--timestamp",
        metavar="YYYY-MM-DDTHH:MM:SSZ",
        help="fixed UTC time for both manifests (default: newest date in the records)",
    )
    args = parser.parse_args(argv)
    configure_logging()
    try:
        if args.timestamp and not _TIMESTAMP.match(args.timestamp):
            raise InputError(f"--timestamp {args.timestamp!r}", hint="use YYYY-MM-DDTHH:MM:SSZ")
        # check both sources before writing either snapshot
        ct_stamp = args.timestamp or ctgov_timestamp(load_ctgov_records(args.ctgov_records))
        pm_stamp = args.timestamp or pubmed_timestamp(load_pubmed_articles(args.pubmed))
        ct = build_ctgov(args.ctgov_records, args.out / "ctgov", ct_stamp, args.ctgov_selection)
        pm = build_pubmed(args.pubmed, args.out / "pubmed", pm_stamp, args.pubmed_selection)
    except TrialsynthError as exc:
        log.error("%s", exc)
        return exc.exit_code
    log.info(
        "wrote %d CT.gov records and %d PubMed records to %s",
        ct["counts"]["received"],
        pm["counts"]["received"],
        args.out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
