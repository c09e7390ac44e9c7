"""The ``trialsynth`` command: one subcommand per pipeline stage.

Each stage module exposes ``register(subparsers)``, which adds its subcommand(s) and sets
``func`` on the parser; ``func(args)`` returns an exit status. Errors derived from
:class:`~trialsynth.errors.TrialsynthError` are printed as one line, without a traceback.

Only the stage module that owns the requested subcommand is imported (:data:`COMMANDS`): a
stage's dependencies (pandas, SciPy, plotnine, ...) cost up to a second to import, and the
workflow starts one ``trialsynth`` process per rule. ``trialsynth --help`` and unknown
commands import every stage, so the help lists all subcommands.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from trialsynth import __version__
from trialsynth.errors import TrialsynthError
from trialsynth.log import configure_logging

log = logging.getLogger("trialsynth")

#: Stage modules in pipeline order; each has ``register(subparsers)``.
STAGE_MODULES: tuple[str, ...] = (
    "trialsynth.fetch.cli",  # fetch ctgov | fetch pubmed
    "trialsynth.parse.cli",  # parse ctgov | parse pubmed
    "trialsynth.link.cli",  # link
    "trialsynth.screen.cli",  # screen
    "trialsynth.code.cli",  # code
    "trialsynth.outcomes.cli",  # outcomes
    "trialsynth.meta.cli",  # meta
    "trialsynth.figures.cli",  # figures forest | sensitivity | prisma | durability
    "trialsynth.report.cli",  # report
    "trialsynth.history.cli",  # history | diff
)


#: Subcommand -> the stage module that registers it.
COMMANDS: dict[str, str] = {
    "fetch": "trialsynth.fetch.cli",
    "parse": "trialsynth.parse.cli",
    "link": "trialsynth.link.cli",
    "screen": "trialsynth.screen.cli",
    "code": "trialsynth.code.cli",
    "outcomes": "trialsynth.outcomes.cli",
    "meta": "trialsynth.meta.cli",
    "figures": "trialsynth.figures.cli",
    "report": "trialsynth.report.cli",
    "history": "trialsynth.history.cli",
    "diff": "trialsynth.history.cli",
}


def requested_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first argument that is not an option)."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser: with ``command`` known, only its stage's subcommands;
    otherwise every stage's."""
    parser = argparse.ArgumentParser(
        prog="trialsynth",
        description="Reproducible evidence synthesis from ClinicalTrials.gov and PubMed.",
    )
    parser.add_argument("--version", action="version", version=f"trialsynth {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = (COMMANDS[command],) if command in COMMANDS else STAGE_MODULES
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(requested_command(arguments))
    args = parser.parse_args(arguments)
    configure_logging(-1 if args.quiet else args.verbose)
    try:
        return int(args.func(args) or 0)
    except TrialsynthError as exc:
        log.error("%s", exc)
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
