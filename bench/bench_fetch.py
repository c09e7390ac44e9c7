"""Benchmark of the fetch stage against the loopback registry (no faults, no network).

Counts the requests needed for N CT.gov studies (goal: <= ceil(N/1000) + 2, /version included)
and for N PubMed records (goal: <= ceil(N/500) + 2), and reports wall time for information.

Usage::

    .venv/bin/python bench/bench_fetch.py [--ctgov-n 5000] [--pubmed-n 2000]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit" / "fetch"))

from loopback_fetch import (
    LoopbackRegistry,
    LoopbackServer,
    fixture_articles,
    synthetic_studies,
)

from trialsynth.fetch.ctgov import CtgovQuery, fetch_ctgov_snapshot
from trialsynth.fetch.http import HttpClient
from trialsynth.fetch.pubmed import PubmedQuery, fetch_pubmed_snapshot

#: Rate limit used against the loopback server (the real defaults are 1/s and 3/s).
LOOPBACK_RATE = 1000.0


def synthetic_articles(n: int) -> dict:
    """``n`` distinct PubMed articles cloned from a real one (new PMIDs)."""
    template, published = next(iter(fixture_articles().values()))
    articles = {}
    for i in range(n):
        pmid = str(50_000_000 + i)
        xml = re.sub(
            rb"<PMID([^>]*)>\d+</PMID>",
            rb"<PMID\g<1>>" + pmid.encode() + rb"</PMID>",
            template,
            count=1,
        )
        articles[pmid] = (xml, published)
    return articles


def _timed_fetch(
    registry: LoopbackRegistry, fetch: Callable[[HttpClient], dict[str, Any]], n: int
) -> tuple[int, float]:
    """Serve ``registry`` on loopback, run ``fetch(client)``, check that ``n`` records arrived;
    return (requests the server saw, seconds)."""
    with (
        LoopbackServer(registry) as server,
        HttpClient(server.url, requests_per_second=LOOPBACK_RATE) as client,
    ):
        start = time.perf_counter()
        manifest = fetch(client)
        elapsed = time.perf_counter() - start
    assert manifest["counts"]["received"] == n
    return len(registry.seen), elapsed


def bench_ctgov(n: int, workdir: Path) -> tuple[int, int, float]:
    """(requests seen, requests expected: one per 1000-study page plus two, seconds)."""
    query = CtgovQuery(query_intr="ketamine", page_size=1000)
    fetch = partial(fetch_ctgov_snapshot, workdir / "ctgov", query)
    seen, elapsed = _timed_fetch(LoopbackRegistry(studies=synthetic_studies(n)), fetch, n)
    return seen, math.ceil(n / query.page_size) + 2, elapsed


def bench_pubmed(n: int, workdir: Path) -> tuple[int, int, float]:
    """(requests seen, requests expected: one per 500-article batch plus two, seconds)."""
    query = PubmedQuery(term="ketamine", batch_size=500)
    fetch = partial(fetch_pubmed_snapshot, workdir / "pubmed", query)
    seen, elapsed = _timed_fetch(LoopbackRegistry(articles=synthetic_articles(n)), fetch, n)
    return seen, math.ceil(n / query.batch_size) + 2, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ctgov-n", type=int, default=5000)
    parser.add_argument("--pubmed-n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ("ctgov", args.ctgov_n, *bench_ctgov(args.ctgov_n, Path(tmp))),
            ("pubmed", args.pubmed_n, *bench_pubmed(args.pubmed_n, Path(tmp))),
        ]
    print("source  records  requests  goal  met  wall_s")
    for source, n, made, goal, elapsed in rows:
        print(f"{source:<7} {n:>7}  {made:>8}  {goal:>4}  {made <= goal!s:<4} {elapsed:6.2f}")
    return 0 if all(made <= goal for _, _, made, goal, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
