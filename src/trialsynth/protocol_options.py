"""Stage options read from the review protocol: ``--protocol FILE [--analysis ID]``.

A stage command takes its settings from the protocol itself, so the workflow's rules pass
file paths only and hold no logic (the protocol keys are never turned into flags in the rule
layer). Precedence, per option: a flag given on the command line, else the protocol, else the
command's built-in default. The flags therefore keep working alone (scripts, tests, a table
that is not part of a review), and a flag beside ``--protocol`` overrides that one setting.

Mapping of protocol keys to options:

``trialsynth meta --protocol P --analysis ID``
    ``analyses[ID].measure`` and ``analyses[ID].by``; ``meta.method``, ``meta.test``,
    ``meta.pi``, ``meta.level`` and ``meta.zero_cells.{add,to,drop00}``.
``trialsynth figures forest --protocol P --analysis ID``
    ``analyses[ID].title`` (else the id) as the figure title.
``trialsynth fetch ctgov --protocol P``
    ``sources.ctgov.{query_intr,query_cond,query_term,filter_advanced,fields,page_size,
    requests_per_second}``.
``trialsynth fetch pubmed --protocol P``
    ``sources.pubmed.{term,batch_size,tool,email}``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError, ProtocolError
from trialsynth.protocol import load_protocol


def add_protocol_arguments(parser: argparse.ArgumentParser, *, analysis: bool) -> None:
    """Add ``--protocol`` (and ``--analysis`` when the stage works on one analysis)."""
    parser.add_argument(
        "--protocol",
        type=Path,
        default=None,
        metavar="YAML",
        help="review protocol to take the settings from (a flag given here overrides it)",
    )
    if analysis:
        parser.add_argument(
            "--analysis",
            default=None,
            metavar="ID",
            help="id of the protocol's analysis (with --protocol)",
        )


def fill_options(
    args: argparse.Namespace, values: Mapping[str, Any], defaults: Mapping[str, Any]
) -> None:
    """Give every option in ``defaults`` that the command line left unset (``None``) its
    protocol value, else its default."""
    for dest, default in defaults.items():
        if getattr(args, dest, None) is not None:
            continue
        value = values.get(dest)
        setattr(args, dest, default if value is None else value)


def require_options(args: argparse.Namespace, flags: Mapping[str, str], source: str) -> None:
    """Fail naming the flag when a required option is set neither on the command line nor by
    the protocol."""
    for dest, flag in flags.items():
        if getattr(args, dest, None) is None:
            raise InputError(
                f"{flag} is required",
                hint=f"give {flag}, or --protocol with {source}",
            )


def stage_protocol(args: argparse.Namespace) -> dict[str, Any] | None:
    """The validated protocol named by ``--protocol``, or ``None`` without it; checks that
    ``--analysis`` comes with ``--protocol``."""
    analysis_id = getattr(args, "analysis", None)
    if args.protocol is None:
        if analysis_id is not None:
            raise InputError(
                "--analysis needs --protocol", hint="add --protocol analysis/protocol.yaml"
            )
        return None
    return load_protocol(args.protocol)


def analysis_entry(
    protocol: Mapping[str, Any], analysis_id: str | None, path: str | os.PathLike[str]
) -> dict[str, Any]:
    """The protocol's ``analyses`` entry with id ``analysis_id``."""
    ids = [str(entry["id"]) for entry in protocol.get("analyses") or []]
    if analysis_id is None:
        raise InputError("--protocol needs --analysis here", hint=f"one of {ids}")
    for entry in protocol.get("analyses") or []:
        if str(entry["id"]) == analysis_id:
            return dict(entry)
    raise ProtocolError(
        f"no analysis with id {analysis_id!r}",
        path=path,
        record="key analyses",
        hint=f"use one of {ids}",
    )


def meta_options(protocol: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """Options of ``trialsynth meta`` for one analysis (``spec``, from :func:`analysis_entry`):
    its measure and subgroup column, and the protocol's estimator settings."""
    settings = protocol.get("meta") or {}
    zero_cells = settings.get("zero_cells") or {}
    model = spec.get("model") or {}
    return {
        "measure": spec.get("measure"),
        # A meta-regression (``model``) replaces the subgroup analysis and may set its test.
        "by": None if model else spec.get("by"),
        "method": settings.get("method"),
        "test": model.get("test", settings.get("test")),
        "pi": settings.get("pi"),
        "level": settings.get("level"),
        "add": zero_cells.get("add"),
        "to": zero_cells.get("to"),
        "drop00": zero_cells.get("drop00"),
    }


def model_options(spec: Mapping[str, Any], protocol_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The meta-regression of one analysis (``analyses[ID].model``): moderator terms, cluster
    column, robust flag and the prediction CSV (a path from the protocol's folder)."""
    model = spec.get("model") or {}
    predict = model.get("predict")
    return {
        "mods": list(model.get("mods") or []),
        "cluster": model.get("cluster"),
        "robust": bool(model.get("robust", False)),
        "predict": Path(protocol_path).parent / predict if predict else None,
        "predict_transform": model.get("predict_transform"),
    }


def ctgov_query_options(protocol: Mapping[str, Any]) -> dict[str, Any]:
    """Options of ``trialsynth fetch ctgov`` from ``sources.ctgov``."""
    ctgov = (protocol.get("sources") or {}).get("ctgov") or {}
    fields = ctgov.get("fields")
    options = {
        key: ctgov.get(key)
        for key in (
            "query_intr",
            "query_cond",
            "query_term",
            "filter_advanced",
            "page_size",
            "requests_per_second",
        )
    }
    options["fields"] = ",".join(fields) if fields else None
    return options


def pubmed_query_options(protocol: Mapping[str, Any]) -> dict[str, Any]:
    """Options of ``trialsynth fetch pubmed`` from ``sources.pubmed``."""
    pubmed = (protocol.get("sources") or {}).get("pubmed") or {}
    return {key: pubmed.get(key) for key in ("term", "batch_size", "tool", "email")}
