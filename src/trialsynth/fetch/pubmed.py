"""PubMed retrieval through the NCBI E-utilities: ``esearch`` with the history server,
publication-date splitting of searches above 10,000 hits, and ``efetch`` in batches.

The flow: one ``esearch`` (``usehistory=y``, ``retmax=10000``); if ``Count`` exceeds 10,000 the
date range is bisected (``datetype=pdat``, ``mindate``/``maxdate``) until every slice has at
most 10,000 hits, so that each slice's ``IdList`` is complete. Each slice is fetched with
``efetch`` (``retmode=xml``) through ``WebEnv`` + ``query_key`` in batches of ``batch_size``;
PMIDs the history server did not return are fetched by ID with POST. Every PMID of the search
arrives exactly once or the fetch fails.

References
----------
Sayers E. "The E-utilities In-Depth: Parameters, Syntax and More" and "A General Introduction
to the E-utilities", Entrez Programming Utilities Help, NCBI (retmax limit of 10,000 for
esearch, history server, POST for long ID lists, ``tool``/``email``/``api_key``, rate limits).
"""

from __future__ import annotations

import io
import logging
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from Bio import Entrez
from Bio.Entrez.Parser import ValidationError as EntrezValidationError
from tqdm import tqdm

from trialsynth.errors import FetchError, InputError
from trialsynth.fetch.http import HttpClient, utc_now
from trialsynth.fetch.snapshot import ShrinkGuard, SnapshotWriter, previous_record_count
from trialsynth.log import show_progress

log = logging.getLogger(__name__)

BASE_URL_ENV = "TRIALSYNTH_EUTILS_BASE_URL"
DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
API_KEY_ENV = "NCBI_API_KEY"
#: Most IDs esearch returns for one query (and the size of one date slice).
ESEARCH_MAX = 10_000
#: Largest efetch batch (records per request) this client sends.
MAX_BATCH = 500
#: Request rates allowed by NCBI without and with an API key.
RATE_WITHOUT_KEY = 3.0
RATE_WITH_KEY = 10.0


def base_url(override: str | None = None) -> str:
    """The E-utilities root: ``override``, else ``$TRIALSYNTH_EUTILS_BASE_URL``, else NCBI's."""
    return override or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def api_key_from_env() -> str | None:
    """``$NCBI_API_KEY`` (the only place the key is read from), or None."""
    return os.environ.get(API_KEY_ENV) or None


@dataclass(frozen=True)
class PubmedQuery:
    """The parameters that define a PubMed search (no I/O).

    ``first_date`` and ``last_date`` bound the publication-date range that is bisected when a
    search has more than ``slice_limit`` hits (``slice_limit`` is injectable for tests).
    """

    term: str
    batch_size: int = 500
    tool: str = "trialsynth"
    email: str | None = None
    first_date: date = date(1700, 1, 1)
    last_date: date = field(default_factory=lambda: date(date.today().year + 1, 12, 31))
    slice_limit: int = ESEARCH_MAX

    def __post_init__(self) -> None:
        if not self.term.strip():
            raise InputError("the PubMed search term is empty", hint="give --term")
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise InputError(
                f"batch size {self.batch_size} is out of range",
                hint=f"give --batch-size between 1 and {MAX_BATCH}",
            )

    def identity(self) -> dict[str, str]:
        """``tool`` and ``email`` sent with every request."""
        ident = {"tool": self.tool}
        if self.email:
            ident["email"] = self.email
        return ident

    def esearch_params(
        self, mindate: date | None = None, maxdate: date | None = None, webenv: str | None = None
    ) -> dict[str, str]:
        """Parameters of one ``esearch`` (optionally one publication-date slice)."""
        params = {
            "db": "pubmed",
            "term": self.term,
            "usehistory": "y",
            "retmax": str(self.slice_limit),
            **self.identity(),
        }
        if webenv:
            params["WebEnv"] = webenv
        if mindate is not None and maxdate is not None:
            params.update(
                datetype="pdat",
                mindate=mindate.strftime("%Y/%m/%d"),
                maxdate=maxdate.strftime("%Y/%m/%d"),
            )
        return params

    def describe(self) -> dict[str, Any]:
        """The query as recorded in the manifest."""
        return {
            "term": self.term,
            "batch_size": self.batch_size,
            "tool": self.tool,
            "email": self.email,
        }


@dataclass
class EsearchResult:
    """One esearch reply: the hit count, history handles, the IDs and the raw body."""

    count: int
    webenv: str | None
    query_key: str | None
    ids: list[str]
    body: bytes
    mindate: date | None = None
    maxdate: date | None = None


def parse_esearch(body: bytes, url: str) -> EsearchResult:
    """Parse an eSearchResult with ``Bio.Entrez.read`` (offline: Biopython bundles the DTD)."""
    try:
        # validate=False: an element NCBI adds later must not break the fetch; Count is checked
        record = Entrez.read(io.BytesIO(body), validate=False)
    except (RuntimeError, ValueError, EntrezValidationError) as exc:
        raise FetchError(f"{url}: esearch reply is an error or unreadable: {exc}") from exc
    try:
        count = int(record["Count"])
    except (KeyError, ValueError) as exc:
        raise FetchError(f"{url}: esearch reply has no Count") from exc
    return EsearchResult(
        count=count,
        webenv=record.get("WebEnv"),
        query_key=record.get("QueryKey"),
        ids=[str(i) for i in record.get("IdList", [])],
        body=body,
    )


def esearch(
    client: HttpClient,
    query: PubmedQuery,
    mindate: date | None = None,
    maxdate: date | None = None,
    webenv: str | None = None,
) -> EsearchResult:
    """Run one ``esearch`` with the history server."""
    body = client.get_xml("esearch.fcgi", query.esearch_params(mindate, maxdate, webenv))
    result = parse_esearch(body, f"{client.base_url}/esearch.fcgi")
    result.mindate, result.maxdate = mindate, maxdate
    return result


def search_slices(client: HttpClient, query: PubmedQuery) -> tuple[int, list[EsearchResult]]:
    """The esearch result(s) covering the whole search: one when ``Count`` <= the slice limit,
    else publication-date slices found by bisection, each within the limit.

    Returns (total Count, slices with hits, in date order).

    Raises
    ------
    FetchError
        A single day has more hits than the limit, or the slices do not add up to the total.
    """
    first = esearch(client, query)
    if first.count <= query.slice_limit:
        return first.count, [first]
    log.info("%d hits > %d: splitting by publication date", first.count, query.slice_limit)
    slices: list[EsearchResult] = []
    webenv = first.webenv
    pending = [(query.first_date, query.last_date, None)]
    while pending:
        lo, hi, known = pending.pop(0)
        if known is None:
            known = esearch(client, query, lo, hi, webenv)
            webenv = known.webenv or webenv
        if known.count <= query.slice_limit:
            if known.count:
                slices.append(known)
            continue
        if lo >= hi:
            raise FetchError(
                f"{client.base_url}/esearch.fcgi: {known.count} hits published on {lo} alone "
                f"exceed {query.slice_limit}; narrow --term"
            )
        mid = lo + timedelta(days=(hi - lo).days // 2)
        pending[:0] = [(lo, mid, None), (mid + timedelta(days=1), hi, None)]
    covered = sum(s.count for s in slices)
    if covered != first.count:
        raise FetchError(
            f"{client.base_url}/esearch.fcgi: date slices hold {covered} records but the search "
            f"has {first.count} (records without a publication date, or the index changed "
            "during the fetch); nothing was written"
        )
    return first.count, slices


def article_pmids(body: bytes) -> list[str]:
    """PMIDs of the articles in an efetch PubmedArticleSet, in order (no DTD is loaded)."""
    root = ET.fromstring(body)
    pmids = []
    for article in root:
        pmid = article.find("./MedlineCitation/PMID")
        if pmid is None:
            pmid = article.find("./BookDocument/PMID")
        if pmid is not None and pmid.text:
            pmids.append(pmid.text.strip())
    return pmids


@dataclass
class EfetchState:
    """Files and PMIDs collected so far."""

    files: list[bytes] = field(default_factory=list)
    pmids: set[str] = field(default_factory=set)
    duplicates: int = 0

    def add(self, body: bytes) -> None:
        pmids = article_pmids(body)
        new = [p for p in pmids if p not in self.pmids]
        self.duplicates += len(pmids) - len(new)
        self.pmids.update(new)
        self.files.append(body)


def fetch_articles(
    client: HttpClient, query: PubmedQuery, slices: list[EsearchResult]
) -> EfetchState:
    """``efetch`` every slice through the history server in batches, then POST the IDs of
    anything missing.

    Raises
    ------
    FetchError
        Some PMIDs of the search were still missing after fetching them by ID.
    """
    state = EfetchState()
    expected = {pmid for s in slices for pmid in s.ids}
    total = sum(s.count for s in slices)
    with tqdm(total=total, desc="PubMed records", unit="rec", disable=not show_progress()) as bar:
        for result in slices:
            if not result.webenv or not result.query_key:
                raise FetchError(f"{client.base_url}/esearch.fcgi: no WebEnv/QueryKey returned")
            for start in range(0, result.count, query.batch_size):
                params = {
                    "db": "pubmed",
                    "WebEnv": result.webenv,
                    "query_key": result.query_key,
                    "retstart": str(start),
                    "retmax": str(query.batch_size),
                    "retmode": "xml",
                    **query.identity(),
                }
                before = len(state.pmids)
                state.add(client.get_xml("efetch.fcgi", params))
                bar.update(len(state.pmids) - before)
        missing = sorted(expected - state.pmids, key=int)
        if missing:
            log.warning("%d PMIDs missing from the history fetch; fetching by ID", len(missing))
        for start in range(0, len(missing), query.batch_size):
            ids = missing[start : start + query.batch_size]
            data = {"db": "pubmed", "id": ",".join(ids), "retmode": "xml", **query.identity()}
            before = len(state.pmids)
            state.add(client.post_xml("efetch.fcgi", data))
            bar.update(len(state.pmids) - before)
    still = expected - state.pmids
    if still:
        raise FetchError(
            f"{client.base_url}/efetch.fcgi: {len(still)} PMIDs of the search never arrived "
            f"(e.g. {sorted(still, key=int)[:5]}); the snapshot was not replaced"
        )
    extra = state.pmids - expected
    if extra:
        log.warning("%d PMIDs arrived that the esearch IdList did not list", len(extra))
    if state.duplicates:
        log.warning("%d duplicate articles across efetch batches were ignored", state.duplicates)
    return state


def fetch_pubmed_snapshot(
    out: str | os.PathLike[str],
    query: PubmedQuery,
    client: HttpClient,
    guard: ShrinkGuard | None = None,
) -> dict[str, Any]:
    """Fetch a PubMed snapshot into ``out`` atomically and return its manifest.

    Raises
    ------
    FetchError
        A request failed, records never arrived, or the search would shrink a non-empty
        snapshot beyond what ``guard`` allows (checked on the esearch count, before any
        efetch; the snapshot is then left as it was).
    """
    out = Path(out)
    guard = guard or ShrinkGuard()
    started = utc_now()
    total, slices = search_slices(client, query)
    guard.check(previous_record_count(out, ("received",)), total, "PubMed records", out)
    state = fetch_articles(client, query, slices)
    with SnapshotWriter(out) as snapshot:
        for number, result in enumerate(slices, start=1):
            snapshot.write_bytes(f"esearch-{number:04d}.xml", result.body)
        for number, body in enumerate(state.files, start=1):
            snapshot.write_bytes(f"efetch-{number:04d}.xml", body)
        query_doc = query.describe()
        query_doc["date_slices"] = [
            {
                "datetype": "pdat" if s.mindate else None,
                "mindate": s.mindate.isoformat() if s.mindate else None,
                "maxdate": s.maxdate.isoformat() if s.maxdate else None,
                "count": s.count,
            }
            for s in slices
        ]
        manifest = {
            "source": "live",
            "base_url": client.base_url,
            "query": query_doc,
            "requests": [r.as_dict() for r in client.requests_made],
            "api_version": None,
            "data_timestamp": None,
            "counts": {
                "expected": total,
                "received": len(state.pmids),
                "duplicates_ignored": state.duplicates,
            },
            "started_utc": started,
            "finished_utc": utc_now(),
        }
        return snapshot.commit(manifest)


__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "ESEARCH_MAX",
    "RATE_WITHOUT_KEY",
    "RATE_WITH_KEY",
    "EsearchResult",
    "PubmedQuery",
    "api_key_from_env",
    "article_pmids",
    "base_url",
    "esearch",
    "fetch_articles",
    "fetch_pubmed_snapshot",
    "parse_esearch",
    "search_slices",
]
