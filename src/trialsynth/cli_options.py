"""Arguments that several ``trialsynth`` subcommands share, declared once.

A stage's ``register(subparsers)`` adds its command with :func:`add_command`, whose help line
and description are the docstring of the function the command runs, and takes the options
that mean the same in every stage from here: tables and folders (``--trials`` ...), the table or
file a command writes (``--out``), the figure files (``--out A.png A.svg``) and the raw
snapshot manifests (``--manifest NAME=PATH``). Options only one stage has stay in its
``cli.py``; the protocol options are in :mod:`trialsynth.protocol_options`.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError

#: The tables passed between stages, by option name, with what the help says about each.
TABLE_HELP: dict[str, str] = {
    "trials": "trials.csv",
    "articles": "articles.csv",
    "studies": "studies.csv",
    "screening": "screening.csv",
    "coding": "coding.csv",
    "prisma": "prisma.json",
    "medians": "median_times.csv",
    "data": "analysis input CSV",
    "result": "`trialsynth meta` JSON",
}

Run = Callable[[argparse.Namespace], int]


def add_command(
    subparsers: Any, name: str, run: Run, description: str | None = None
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` that calls ``run(args)``.

    Its one-line help is the first line of ``run``'s docstring (without its full stop),
    its ``--help`` description the paragraphs that follow (or ``description``, for a text
    built from constants), so the words that document the function are the words a user
    reads.
    """
    summary, _, details = inspect.cleandoc(run.__doc__ or name).partition("\n\n")
    parser = subparsers.add_parser(
        name,
        help=summary.rstrip("."),
        description=description or " ".join(details.split()) or summary,
    )
    parser.set_defaults(func=run)
    return parser


def add_command_group(
    subparsers: Any, name: str, summary: str, kind: str, description: str | None = None
) -> Any:
    """Add the command ``name`` whose subcommands (one per ``kind``: source, figure ...) are
    added to the returned object with :func:`add_command`."""
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=description
        or f"{summary}; `trialsynth {name} {kind.upper()} --help` lists the options of each.",
    )
    return parser.add_subparsers(dest=kind, metavar=kind.upper(), required=True)


def add_paths(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    *names: str,
    required: bool = True,
    **help_texts: str,
) -> None:
    """Add ``--NAME`` (a path; ``_`` in a name becomes ``-``) for each table, file or folder in
    ``names``; the help is the text given as a keyword (``trials="trials.csv (acronyms)"``),
    else the table's file name (:data:`TABLE_HELP`)."""
    for name in names:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            required=required,
            type=Path,
            help=help_texts.get(name) or TABLE_HELP.get(name) or f"{name}.csv",
        )


def add_output(parser: argparse.ArgumentParser, what: str, flag: str = "--out") -> None:
    """Add the required output ``flag`` (a path) for the file named ``what``."""
    parser.add_argument(flag, required=True, type=Path, help=f"{what} to write")


def add_figure_output(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` for a figure: one or more files, the format from each suffix."""
    parser.add_argument("--out", required=True, type=Path, nargs="+", help=".png and/or .svg")


def add_manifests(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """Add the repeatable ``--manifest NAME=PATH`` (raw snapshot manifests)."""
    parser.add_argument(
        "--manifest",
        action="append",
        default=[],
        metavar="NAME=PATH",
        required=required,
        help="a raw snapshot manifest, e.g. ctgov=data/raw/ctgov/manifest.json (repeatable)",
    )


def manifest_paths(items: list[str]) -> dict[str, Path]:
    """``{name: path}`` from the ``--manifest NAME=PATH`` values."""
    manifests: dict[str, Path] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise InputError(
                f"--manifest {item!r} is not NAME=PATH",
                hint="e.g. ctgov=data/raw/ctgov/manifest.json",
            )
        manifests[name] = Path(path)
    return manifests


def add_protocol_file(parser: argparse.ArgumentParser) -> None:
    """Add the required ``--protocol`` of a stage that cannot run without the review's protocol
    (the optional one that only supplies settings is
    :func:`trialsynth.protocol_options.add_protocol_arguments`)."""
    parser.add_argument(
        "--protocol", required=True, type=Path, metavar="YAML", help="analysis/protocol.yaml"
    )
