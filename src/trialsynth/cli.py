"""The ``trialsynth`` command: one subcommand per pipeline stage.

Each stage module exposes ``register(subparsers)``, which adds its subcommand(s) and sets
``func`` on the parser; ``func(args)`` returns an exit status. Errors derived from
:class:`~trialsynth.errors.TrialsynthError` are printed as one line, without a traceback.
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
    "trialsynth.records.cli",  # parse ctgov | parse pubmed
    "trialsynth.studies.cli",  # link | screen
    "trialsynth.coding.cli",  # code
    "trialsynth.outcomes.cli",  # outcomes
    "trialsynth.meta.cli",  # meta
    "trialsynth.figures.cli",  # forest
    "trialsynth.report.cli",  # report
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every stage's subcommand."""
    parser = argparse.ArgumentParser(
        prog="trialsynth",
        description="Reproducible evidence synthesis from ClinicalTrials.gov and PubMed.",
    )
    parser.add_argument("--version", action="version", version=f"trialsynth {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in STAGE_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
