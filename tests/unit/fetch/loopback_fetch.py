"""A loopback registry for the fetch tests and benchmark: a real HTTP server on 127.0.0.1
(``http.server.ThreadingHTTPServer`` in a thread, port 0) serving ClinicalTrials.gov v2
``/version`` and ``/studies`` pages and E-utilities ``esearch.fcgi`` / ``efetch.fcgi``, with
injectable faults (429 + Retry-After, 500, 503, dropped connection, truncated body, a reply
slower than the client's read timeout, invalid JSON/XML on a 200).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from trialsynth.fetch import transcribed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fetch"
# The same DOCTYPE lines the shipped snapshot's builder writes (offline-parsable DTDs).
ESEARCH_DOCTYPE = transcribed.ESEARCH_HEAD
EFETCH_HEAD = transcribed.EFETCH_HEAD + "<PubmedArticleSet>\n"
_ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.S)
_PMID = re.compile(rb"<PMID[^>]*>(\d+)</PMID>")
_YEAR = re.compile(rb"<PubDate>\s*<Year>(\d{4})</Year>")


def fixture_studies() -> list[dict[str, Any]]:
    """The 12 real CT.gov v2 records of the fixtures, sorted by NCT ID."""
    files = sorted((FIXTURES / "ctgov").glob("NCT*.json"))
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def fixture_articles() -> dict[str, tuple[bytes, date]]:
    """``{pmid: (PubmedArticle XML, publication date)}`` from the fixtures (1 January of the
    PubDate year)."""
    articles = {}
    for path in sorted((FIXTURES / "pubmed").glob("[0-9]*.xml")):
        data = path.read_bytes()
        article = _ARTICLE.search(data)
        assert article is not None, path
        pmid = _PMID.search(article.group(0))
        year = _YEAR.search(article.group(0))
        assert pmid is not None and year is not None, path
        articles[pmid.group(1).decode()] = (article.group(0), date(int(year.group(1)), 1, 1))
    return articles


def synthetic_studies(n: int) -> list[dict[str, Any]]:
    """``n`` distinct studies cloned from a real record (benchmark only)."""
    template = fixture_studies()[0]
    studies = []
    for i in range(n):
        study = json.loads(json.dumps(template))
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT{90000000 + i:08d}"
        studies.append(study)
    return studies


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    params: dict[str, str]


@dataclass
class LoopbackRegistry:
    """State of the fake registry; faults are consumed one per matching request.

    ``faults`` maps an endpoint name (``studies``, ``version``, ``esearch``, ``efetch``) to a
    list of fault names applied to its next requests in order: ``429``, ``500``, ``503``,
    ``drop``, ``truncate``, ``slow``, ``badbody``, ``ok`` (no fault).
    """

    studies: list[dict[str, Any]] = field(default_factory=list)
    total_count: int | None = None  # overrides len(studies) to fake a mismatch
    articles: dict[str, tuple[bytes, date]] = field(default_factory=dict)
    count_for_range: Callable[[date | None, date | None], int] | None = None
    ids_for_range: Callable[[date | None, date | None], list[str]] | None = None
    history_omits: set[str] = field(default_factory=set)  # PMIDs efetch-by-history drops
    faults: dict[str, list[str]] = field(default_factory=dict)
    retry_after: str = "7"
    slow_seconds: float = 0.5
    seen: list[Seen] = field(default_factory=list)
    history: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, endpoint: str) -> str:
        with self.lock:
            queue = self.faults.get(endpoint, [])
            return queue.pop(0) if queue else "ok"

    # CT.gov ---------------------------------------------------------------------------
    def studies_page(self, params: dict[str, str]) -> dict[str, Any]:
        size = int(params.get("pageSize", "10"))
        start = int(params.get("pageToken", "tok0")[3:])
        page: dict[str, Any] = {"studies": self.studies[start : start + size]}
        if start + size < len(self.studies):
            page["nextPageToken"] = f"tok{start + size}"
        if params.get("countTotal") == "true" and "pageToken" not in params:
            page["totalCount"] = len(self.studies) if self.total_count is None else self.total_count
        return page

    # E-utilities -----------------------------------------------------------------------
    def matching_ids(self, mindate: date | None, maxdate: date | None) -> list[str]:
        if self.ids_for_range is not None:
            return self.ids_for_range(mindate, maxdate)
        return [
            pmid
            for pmid, (_, published) in sorted(self.articles.items())
            if (mindate is None or published >= mindate)
            and (maxdate is None or published <= maxdate)
        ]

    def esearch(self, params: dict[str, str]) -> bytes:
        mindate = _date(params.get("mindate"))
        maxdate = _date(params.get("maxdate"))
        ids = self.matching_ids(mindate, maxdate)
        count = len(ids) if self.count_for_range is None else self.count_for_range(mindate, maxdate)
        retmax = int(params.get("retmax", "20"))
        with self.lock:
            webenv = params.get("WebEnv") or "MCID_loopback"
            key = str(len(self.history) + 1)
            self.history[key] = ids
        listed = "".join(f"<Id>{i}</Id>\n" for i in ids[:retmax])
        body = (
            f"{ESEARCH_DOCTYPE}<eSearchResult><Count>{count}</Count><RetMax>{min(retmax, count)}"
            f"</RetMax><RetStart>0</RetStart><QueryKey>{key}</QueryKey><WebEnv>{webenv}</WebEnv>"
            f"<IdList>\n{listed}</IdList><TranslationSet/>"
            f"<QueryTranslation>{params.get('term', '')}</QueryTranslation></eSearchResult>\n"
        )
        return body.encode()

    def efetch(self, params: dict[str, str]) -> bytes:
        if "id" in params:
            ids = params["id"].split(",")
        else:
            ids = self.history[params["query_key"]]
            start = int(params.get("retstart", "0"))
            ids = ids[start : start + int(params.get("retmax", "20"))]
            ids = [i for i in ids if i not in self.history_omits]
        articles = b"\n".join(self.articles[i][0] for i in ids if i in self.articles)
        return EFETCH_HEAD.encode() + articles + b"\n</PubmedArticleSet>\n"


def _date(text: str | None) -> date | None:
    if not text:
        return None
    year, month, day = (int(x) for x in text.split("/"))
    return date(year, month, day)


class _Handler(BaseHTTPRequestHandler):
    registry: LoopbackRegistry
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        self._serve("GET", split.path, _flat(parse_qs(split.query, keep_blank_values=True)))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = self.rfile.read(length).decode()
        split = urlsplit(self.path)
        self._serve("POST", split.path, _flat(parse_qs(form, keep_blank_values=True)))

    def _serve(self, method: str, path: str, params: dict[str, str]) -> None:
        registry = self.registry
        registry.seen.append(Seen(method, path, params))
        endpoint = path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".fcgi")
        fault = registry.next_fault(endpoint)
        if fault == "drop":
            self.close_connection = True
            return
        if fault in {"429", "500", "503"}:
            headers = {"Retry-After": registry.retry_after} if fault == "429" else {}
            self._send(int(fault), b"busy", "text/plain", headers)
            return
        if fault == "slow":
            time.sleep(registry.slow_seconds)
        if endpoint == "version":
            body = json.dumps(
                {"apiVersion": "2.0.5", "dataTimestamp": "2026-11-20T09:00:05"}
            ).encode()
            kind = "application/json"
        elif endpoint == "studies":
            body = json.dumps(registry.studies_page(params)).encode()
            kind = "application/json"
        elif endpoint == "esearch":
            body, kind = registry.esearch(params), "text/xml"
        elif endpoint == "efetch":
            body, kind = registry.efetch(params), "text/xml"
        else:
            self._send(404, b"not found", "text/plain")
            return
        if fault == "badbody":
            body = body[: len(body) // 2]
            self._send(200, body, kind)
        elif fault == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self._send(200, body, kind)

    def _send(
        self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _flat(query: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[-1] for key, values in query.items()}


class LoopbackServer:
    """Run a :class:`LoopbackRegistry` on 127.0.0.1 (port 0) in a daemon thread."""

    def __init__(self, registry: LoopbackRegistry) -> None:
        handler = type("Handler", (_Handler,), {"registry": registry})
        self.registry = registry
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.httpd.handle_error = lambda request, client_address: None  # client gave up
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
