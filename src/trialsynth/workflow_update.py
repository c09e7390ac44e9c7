"""Update the outputs after the raw snapshot changed: Snakemake in two passes, in one process.

Snakemake decides what to rerun before it starts. After a refresh every stage up to the
per-record tables reruns (their raw inputs changed), and in the same pass Snakemake would also
plan every analysis, figure and the report below them, because their inputs are about to change.
Those stages write a table only when its content changed, so a second pass, planned after the
first has finished, sees which tables kept their bytes and reruns only what reads the others
(``make update``: ``--until <stage>``, then the whole workflow).

Run as two ``snakemake`` commands, the two passes pay twice for what is not work: importing
Snakemake and its executor plugins (~1 s), and at exit up to one second more, waiting for the
scheduler's re-evaluation timer (a non-daemon ``threading.Timer`` its job rate limiter starts
after each scheduling round, ``--max-jobs-per-timespan``, default 100 per 1 s, that cannot be
set below one second). This command runs both passes through Snakemake's own command line
(:func:`snakemake.cli.main`, so the workflow profile and every option apply as on the command
line) in one process, and when the last pass has ended cancels the timers still waiting, which
have nothing left to re-evaluate. The Snakefile's ``onsuccess`` and ``onerror`` hooks call the
same :func:`cancel_timers` at the end of every run, plain ``snakemake`` included; the call here
covers a run with ``--no-hooks``.

Usage::

    python -m trialsynth.workflow_update --until outcomes [-- SNAKEMAKE_ARGS...]

The arguments after ``--`` go to both passes (e.g. ``--cores 2 --config analysis_dir=...``).
The exit status is the first failing pass's (the second does not run), else 0.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable, Sequence

#: This module's messages only: the root logger stays Snakemake's (configuring it would print
#: each of Snakemake's lines twice).
log = logging.getLogger("trialsynth.workflow_update")

#: Snakemake's command line: ``main(argv)`` ends with ``sys.exit`` (0 on success).
SnakemakeMain = Callable[[list[str]], object]


def passes(until: Sequence[str], snakemake_args: Sequence[str]) -> list[list[str]]:
    """The argument lists of the two passes: up to ``until``, then the whole workflow."""
    return [[*snakemake_args, "--until", *until], list(snakemake_args)]


def run_pass(main: SnakemakeMain, argv: list[str]) -> int:
    """Run Snakemake's command line ``main`` with ``argv`` and return its exit status."""
    try:
        main(argv)
    except SystemExit as done:
        code = done.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 0


def cancel_timers() -> int:
    """Cancel the ``threading.Timer`` threads still waiting (Snakemake's re-evaluation timers
    of a finished run), so the interpreter does not wait for them at exit. Returns how many."""
    timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
    for timer in timers:
        timer.cancel()
    return len(timers)


def update(until: Sequence[str], snakemake_args: Sequence[str], main: SnakemakeMain) -> int:
    """Run both passes with ``main``; stop at the first that fails. Returns the exit status."""
    for number, argv in enumerate(passes(until, snakemake_args), start=1):
        status = run_pass(main, argv)
        if status != 0:
            log.error(
                "pass %d of 2 (snakemake %s) failed with status %d", number, " ".join(argv), status
            )
            return status
    cancelled = cancel_timers()
    log.debug("cancelled %d waiting scheduler timer(s)", cancelled)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trialsynth.workflow_update",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "--until",
        nargs="+",
        required=True,
        metavar="RULE",
        help="the rules the first pass ends with (the stages that keep unchanged tables' bytes)",
    )
    parser.add_argument(
        "snakemake_args",
        nargs=argparse.REMAINDER,
        help="after --: arguments given to both Snakemake passes",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.propagate = False
    snakemake_args = list(args.snakemake_args)
    if snakemake_args[:1] == ["--"]:
        snakemake_args = snakemake_args[1:]
    from snakemake.cli import main as snakemake_main  # ~1 s of imports, once for both passes

    return update(args.until, snakemake_args, snakemake_main)


if __name__ == "__main__":
    sys.exit(main())
