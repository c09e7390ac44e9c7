"""ClinicalTrials.gov API v2 retrieval: query building, paging, the ``totalCount`` check,
``GET /version`` and the incremental (``--since``) merge.

References
----------
ClinicalTrials.gov API v2 OpenAPI specification 2.0.5 (``GET /studies``: ``query.cond``,
``query.intr``, ``query.term``, ``filter.advanced``, ``fields``, ``pageSize``, ``pageToken``,
``countTotal``; response ``PagedStudies``: ``studies``, ``nextPageToken``, ``totalCount``;
``GET /version``: ``apiVersion``, ``dataTimestamp``). Essie expression syntax for
``AREA[LastUpdatePostDate]RANGE[DATE,MAX]``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from trialsynth.errors import FetchError, InputError
from trialsynth.fetch.http import HttpClient, utc_now
from trialsynth.fetch.snapshot import (
    ShrinkGuard,
    SnapshotWriter,
    previous_record_count,
    read_manifest,
)
from trialsynth.log import show_progress
from trialsynth.parse.ctgov_pages import last_update_post_date
from trialsynth.parse.nct_ids import study_nct_id

log = logging.getLogger(__name__)

BASE_URL_ENV = "TRIALSYNTH_CTGOV_BASE_URL"
DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
MAX_PAGE_SIZE = 1000
PAGE_PREFIX = "page-"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def base_url(override: str | None = None) -> str:
    """The API root: ``override``, else ``$TRIALSYNTH_CTGOV_BASE_URL``, else the public API."""
    return override or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def check_since(text: str) -> date:
    """``text`` as a calendar date (``YYYY-MM-DD``), checked before any request is sent.

    Raises
    ------
    InputError
        Not in that form, or not a real date (month 13, 30 February).
    """
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--since {text!r} is not a valid date", hint="give a calendar date as YYYY-MM-DD"
        ) from None


@dataclass(frozen=True)
class CtgovQuery:
    """The parameters that define a ClinicalTrials.gov search (no I/O).

    ``since`` (``YYYY-MM-DD``) restricts the search to studies updated on or after that date
    by adding ``AREA[LastUpdatePostDate]RANGE[since,MAX]`` to ``filter_advanced`` with AND.
    """

    query_intr: str | None = None
    query_cond: str | None = None
    query_term: str | None = None
    filter_advanced: str | None = None
    fields: tuple[str, ...] = ()
    page_size: int = MAX_PAGE_SIZE
    since: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InputError(
                f"page size {self.page_size} is out of range",
                hint=f"give --page-size between 1 and {MAX_PAGE_SIZE}",
            )
        if self.since is not None:
            check_since(self.since)
        if not (self.query_intr or self.query_cond or self.query_term or self.filter_advanced):
            raise InputError(
                "the CT.gov query is empty",
                hint="give at least one of --query-intr, --query-cond, --query-term, "
                "--filter-advanced",
            )

    def advanced_filter(self) -> str | None:
        """``filter.advanced`` as sent: the configured filter AND the ``since`` range."""
        if self.since is None:
            return self.filter_advanced
        since = f"AREA[LastUpdatePostDate]RANGE[{self.since},MAX]"
        return f"({self.filter_advanced}) AND {since}" if self.filter_advanced else since

    def params(self) -> dict[str, str]:
        """Parameters of every ``GET /studies`` request (``pageToken`` is added per page)."""
        params = {"format": "json"}
        for key, value in (
            ("query.cond", self.query_cond),
            ("query.intr", self.query_intr),
            ("query.term", self.query_term),
            ("filter.advanced", self.advanced_filter()),
        ):
            if value:
                params[key] = value
        if self.fields:
            params["fields"] = ",".join(self.fields)
        params["pageSize"] = str(self.page_size)
        params["countTotal"] = "true"
        return params

    def describe(self) -> dict[str, Any]:
        """The query as recorded in the manifest."""
        return {
            "query_intr": self.query_intr,
            "query_cond": self.query_cond,
            "query_term": self.query_term,
            "filter_advanced": self.filter_advanced,
            "fields": list(self.fields),
            "page_size": self.page_size,
            "since": self.since,
        }


@dataclass
class CtgovResult:
    """What one search returned: the raw page bodies and the parsed studies."""

    pages: list[bytes] = field(default_factory=list)
    studies: list[dict[str, Any]] = field(default_factory=list)
    total_count: int = 0


def fetch_version(client: HttpClient) -> dict[str, Any]:
    """``GET /version``: ``{"apiVersion": ..., "dataTimestamp": ...}``."""
    version, _ = client.get_json("version", {})
    if not isinstance(version, dict) or "apiVersion" not in version:
        raise FetchError(f"GET {client.base_url}/version: reply has no apiVersion: {version!r}")
    return version


def fetch_studies(client: HttpClient, query: CtgovQuery) -> CtgovResult:
    """Page through ``GET /studies`` following ``nextPageToken`` with otherwise identical
    parameters; check that each NCT ID arrives once and that the count equals ``totalCount``.

    Raises
    ------
    FetchError
        A request failed, a page is malformed, an NCT ID repeats, or the number received
        differs from ``totalCount`` (the result set changed during paging, or was cut).
    """
    params = query.params()
    result = CtgovResult()
    seen: set[str] = set()
    token: str | None = None
    with tqdm(desc="CT.gov studies", unit="study", disable=not show_progress()) as bar:
        while True:
            page_params = dict(params) if token is None else {**params, "pageToken": token}
            page, body = client.get_json("studies", page_params)
            where = f"GET {client.base_url}/studies page {len(result.pages) + 1}"
            if not isinstance(page, dict) or not isinstance(page.get("studies"), list):
                raise FetchError(f"{where}: reply has no 'studies' list")
            if not result.pages:
                if not isinstance(page.get("totalCount"), int):
                    raise FetchError(f"{where}: first page has no totalCount (countTotal=true)")
                result.total_count = page["totalCount"]
                bar.total = result.total_count
            for study in page["studies"]:
                ident = study_nct_id(study)
                if ident is None:
                    raise FetchError(f"{where}: a study has no nctId")
                if ident in seen:
                    raise FetchError(
                        f"{where}: {ident} was received twice; the result set changed while "
                        "paging, fetch again"
                    )
                seen.add(ident)
                result.studies.append(study)
            result.pages.append(body)
            bar.update(len(page["studies"]))
            token = page.get("nextPageToken")
            if not token:
                break
    if len(result.studies) != result.total_count:
        raise FetchError(
            f"GET {client.base_url}/studies: received {len(result.studies)} studies but "
            f"totalCount is {result.total_count}; the snapshot was not replaced"
        )
    return result


def merge_studies(
    old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Merge changed studies into an existing set by NCT ID; the newest version wins.

    A new record replaces the old one unless the old one has a strictly later
    ``lastUpdatePostDate``. Returns (studies sorted by NCT ID, added IDs, updated IDs).
    """
    merged = {study_nct_id(study): study for study in old}
    added: list[str] = []
    updated: list[str] = []
    for study in new:
        ident = study_nct_id(study)
        if ident is None:
            continue
        current = merged.get(ident)
        if current is None:
            added.append(ident)
        elif last_update_post_date(current) > last_update_post_date(study):
            log.info(
                "%s: kept the snapshot's newer version (%s)", ident, last_update_post_date(current)
            )
            continue
        else:
            updated.append(ident)
        merged[ident] = study
    ordered = [merged[key] for key in sorted(k for k in merged if k is not None)]
    return ordered, sorted(added), sorted(updated)


def read_snapshot_studies(folder: Path) -> list[dict[str, Any]]:
    """All studies of an existing CT.gov snapshot (its pages in order), checked against the
    manifest's sha256."""
    manifest = read_manifest(folder)
    studies: list[dict[str, Any]] = []
    for name in sorted(n for n in manifest.get("files", {}) if n.startswith("page-")):
        page = json.loads((folder / name).read_text(encoding="utf-8"))
        studies.extend(page.get("studies", []))
    return studies


def page_name(number: int) -> str:
    """File name of page ``number`` (1-based)."""
    return f"{PAGE_PREFIX}{number:04d}.json"


def fetch_ctgov_snapshot(
    out: str | os.PathLike[str],
    query: CtgovQuery,
    client: HttpClient,
    guard: ShrinkGuard | None = None,
) -> dict[str, Any]:
    """Fetch a CT.gov snapshot into ``out`` atomically and return its manifest.

    Without ``query.since`` the pages are written as received. With it, the changed studies
    are merged into the existing snapshot in ``out`` (see :func:`merge_studies`), the merged
    set is written as pages of ``query.page_size`` studies sorted by NCT ID, the first with
    ``totalCount``, and every other file of the old snapshot (e.g. ``provenance.csv``) is
    kept, with its manifest entry.

    Raises
    ------
    FetchError
        A request failed, the reply is incomplete, or a full fetch would shrink a non-empty
        snapshot beyond what ``guard`` allows (the snapshot is then left as it was).
    """
    out = Path(out)
    guard = guard or ShrinkGuard()
    started = utc_now()
    old_manifest = read_manifest(out) if query.since else None
    previous = read_snapshot_studies(out) if query.since else None
    version = fetch_version(client)
    result = fetch_studies(client, query)
    if previous is None:
        count_keys = ("studies_in_snapshot", "received")
        before = previous_record_count(out, count_keys)
        guard.check(before, len(result.studies), "studies", out)
    with SnapshotWriter(out) as snapshot:
        extra: dict[str, Any] = {}
        if previous is None or old_manifest is None:
            for number, body in enumerate(result.pages, start=1):
                snapshot.write_bytes(page_name(number), body)
            received = len(result.studies)
        else:
            merged, added, updated = merge_studies(previous, result.studies)
            size = query.page_size
            for number, start in enumerate(range(0, max(len(merged), 1), size), start=1):
                page: dict[str, Any] = {"studies": merged[start : start + size]}
                if number == 1:
                    page["totalCount"] = len(merged)
                snapshot.write_json(page_name(number), page)
            received = len(merged)
            kept = [n for n in old_manifest.get("files", {}) if not n.startswith(PAGE_PREFIX)]
            for name in sorted(kept):
                snapshot.copy_file(name, out / name)
            extra = {
                "since": query.since,
                "changed": {"added": added, "updated": updated},
                "merged_into": old_manifest.get("source"),
                "kept_from_previous": sorted(kept),
            }
            if old_manifest.get("provenance") in kept:
                extra["provenance"] = old_manifest["provenance"]
            log.info("--since %s: %d added, %d updated", query.since, len(added), len(updated))
        manifest = {
            "source": "live" if previous is None else "live (--since merge)",
            "base_url": client.base_url,
            "query": query.describe(),
            "requests": [r.as_dict() for r in client.requests_made],
            "api_version": version.get("apiVersion"),
            "data_timestamp": version.get("dataTimestamp"),
            "counts": {
                "expected": result.total_count,
                "received": len(result.studies),
                "studies_in_snapshot": received,
            },
            "started_utc": started,
            "finished_utc": utc_now(),
            **extra,
        }
        return snapshot.commit(manifest)


__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "CtgovQuery",
    "CtgovResult",
    "base_url",
    "check_since",
    "fetch_ctgov_snapshot",
    "fetch_studies",
    "fetch_version",
    "merge_studies",
    "page_name",
    "read_snapshot_studies",
]
