"""``trialsynth fetch ctgov`` and ``trialsynth fetch pubmed``: build the query from the flags
(else the protocol's ``sources`` section, ``--protocol``),
open one rate-limited session per source and write an atomic snapshot."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from trialsynth.cli_options import add_command, add_command_group
from trialsynth.errors import InputError
from trialsynth.fetch import ctgov, pubmed
from trialsynth.fetch.http import HttpClient
from trialsynth.fetch.snapshot import DEFAULT_MAX_DROP_SHARE, ShrinkGuard
from trialsynth.protocol_options import (
    add_protocol_arguments,
    ctgov_query_options,
    fill_options,
    pubmed_query_options,
    require_options,
    stage_protocol,
)

log = logging.getLogger(__name__)

#: Query settings used when neither the command line nor ``--protocol`` gives one.
CTGOV_DEFAULTS: dict[str, Any] = {
    "query_intr": None,
    "query_cond": None,
    "query_term": None,
    "filter_advanced": None,
    "fields": None,
    "page_size": ctgov.MAX_PAGE_SIZE,
    "requests_per_second": 1.0,
}
PUBMED_DEFAULTS: dict[str, Any] = {
    "term": None,
    "batch_size": 500,
    "tool": "trialsynth",
    "email": None,
}


def register(subparsers: Any) -> None:
    """Add ``fetch`` with the sub-subcommands ``ctgov`` and ``pubmed``."""
    sources = add_command_group(
        subparsers,
        "fetch",
        "Fetch raw records from ClinicalTrials.gov or PubMed into a snapshot",
        "source",
    )
    ct = add_command(
        sources,
        "ctgov",
        run_ctgov,
        "Writes DIR/manifest.json and the pages as received (DIR/page-0001.json, "
        f"...). Base URL: --base-url, else ${ctgov.BASE_URL_ENV}, else {ctgov.DEFAULT_BASE_URL}.",
    )
    ct.add_argument("--out", required=True, metavar="DIR", help="snapshot folder")
    ct.add_argument("--query-intr", metavar="S", help="query.intr (interventions)")
    ct.add_argument("--query-cond", metavar="S", help="query.cond (conditions)")
    ct.add_argument("--query-term", metavar="S", help="query.term (other terms)")
    ct.add_argument("--filter-advanced", metavar="S", help="filter.advanced (Essie expression)")
    ct.add_argument("--fields", metavar="S", help="comma-separated fields to return")
    ct.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="only studies updated since DATE, merged into the existing snapshot by NCT ID",
    )
    ct.add_argument("--page-size", type=int, metavar="N", help=f"default {ctgov.MAX_PAGE_SIZE}")
    ct.add_argument("--requests-per-second", type=float, metavar="X", help="default 1")
    add_protocol_arguments(ct, analysis=False)
    ct.add_argument("--base-url", metavar="URL")
    _add_shrink_flags(ct, "studies")

    pm = add_command(
        sources,
        "pubmed",
        run_pubmed,
        "Writes DIR/manifest.json, DIR/esearch-0001.xml, ... and DIR/efetch-0001.xml, "
        f"... Base URL: --base-url, else ${pubmed.BASE_URL_ENV}, else {pubmed.DEFAULT_BASE_URL}. "
        f"The API key is read from ${pubmed.API_KEY_ENV} only and never written anywhere.",
    )
    pm.add_argument("--out", required=True, metavar="DIR", help="snapshot folder")
    pm.add_argument(
        "--term", metavar="S", help="PubMed search term (required unless --protocol gives it)"
    )
    pm.add_argument("--batch-size", type=int, metavar="N", help="default 500")
    pm.add_argument("--tool", metavar="S", help="default trialsynth")
    pm.add_argument("--email", metavar="S", help="contact address NCBI asks for")
    pm.add_argument("--base-url", metavar="URL")
    add_protocol_arguments(pm, analysis=False)
    _add_shrink_flags(pm, "records")


def _add_shrink_flags(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help=f"replace the snapshot even when the search returns no {what} or drops more "
        "than --max-drop-share of them (a deliberately narrower or empty query)",
    )
    parser.add_argument(
        "--max-drop-share",
        type=float,
        default=DEFAULT_MAX_DROP_SHARE,
        metavar="X",
        help=f"largest share of the snapshot's {what} a refresh may drop without "
        f"--allow-shrink (default {DEFAULT_MAX_DROP_SHARE})",
    )


def _guard(args: argparse.Namespace) -> ShrinkGuard:
    return ShrinkGuard(allow_shrink=args.allow_shrink, max_drop_share=args.max_drop_share)


def run_ctgov(args: argparse.Namespace) -> int:
    """ClinicalTrials.gov API v2 GET /studies, all pages.

    The query comes from the flags, else from the protocol's sources.ctgov (--protocol).
    """
    protocol = stage_protocol(args)
    fill_options(
        args,
        ctgov_query_options(protocol) if protocol is not None else {},
        CTGOV_DEFAULTS,
    )
    if not args.requests_per_second > 0:
        raise InputError(
            f"--requests-per-second {args.requests_per_second} is not positive",
            hint="give a rate such as 1 (the default)",
        )
    guard = _guard(args)
    fields = tuple(f.strip() for f in (args.fields or "").replace("|", ",").split(",") if f)
    query = ctgov.CtgovQuery(
        query_intr=args.query_intr,
        query_cond=args.query_cond,
        query_term=args.query_term,
        filter_advanced=args.filter_advanced,
        fields=fields,
        page_size=args.page_size,
        since=args.since,
    )
    with HttpClient(
        ctgov.base_url(args.base_url), requests_per_second=args.requests_per_second
    ) as client:
        manifest = ctgov.fetch_ctgov_snapshot(args.out, query, client, guard)
    log.info(
        "CT.gov: %d studies in %s (API %s, data %s)",
        manifest["counts"]["studies_in_snapshot"],
        args.out,
        manifest["api_version"],
        manifest["data_timestamp"],
    )
    return 0


def run_pubmed(args: argparse.Namespace) -> int:
    """PubMed esearch (history server) and efetch in batches.

    The search comes from the flags, else from the protocol's sources.pubmed (--protocol);
    the API key from the environment (NCBI_API_KEY).
    """
    protocol = stage_protocol(args)
    fill_options(
        args,
        pubmed_query_options(protocol) if protocol is not None else {},
        PUBMED_DEFAULTS,
    )
    require_options(args, {"term": "--term"}, "sources.pubmed.term")
    guard = _guard(args)
    query = pubmed.PubmedQuery(
        term=args.term, batch_size=args.batch_size, tool=args.tool, email=args.email
    )
    if not args.email:
        log.warning("no --email given; NCBI asks every E-utilities user for a contact address")
    key = pubmed.api_key_from_env()
    rate = pubmed.RATE_WITH_KEY if key else pubmed.RATE_WITHOUT_KEY
    secrets = {"api_key": key} if key else None
    with HttpClient(
        pubmed.base_url(args.base_url), requests_per_second=rate, secret_params=secrets
    ) as client:
        manifest = pubmed.fetch_pubmed_snapshot(args.out, query, client, guard)
    log.info(
        "PubMed: %d of %d records in %s",
        manifest["counts"]["received"],
        manifest["counts"]["expected"],
        args.out,
    )
    return 0
