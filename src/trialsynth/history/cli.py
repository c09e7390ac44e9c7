"""``trialsynth history`` (keep this run's record) and ``trialsynth diff OLD NEW`` (compare two).

``trialsynth history`` is the workflow's ``history`` rule: it writes the run's record
into the history folder and ``changes.json`` (the comparison with the previous run) for the
report. ``trialsynth diff`` prints the comparison of two records for a person or a CI job;
``--fail-on`` makes it exit with status 1 when a change needs a reviewer.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from trialsynth.cli_options import add_command, add_manifests, add_output, add_paths, manifest_paths
from trialsynth.documents import write_json_atomic
from trialsynth.history.archive import keep_record, resolve
from trialsynth.history.compare import (
    FAIL_ON,
    compare_records,
    failed_conditions,
    format_changes,
)
from trialsynth.history.record import build_record, load_record

log = logging.getLogger(__name__)
DEFAULT_HISTORY = Path("reports/history")


def register(subparsers: Any) -> None:
    """Add the ``history`` and ``diff`` subcommands."""
    record = add_command(subparsers, "history", run_history)
    add_manifests(record, required=True)
    add_paths(record, "studies", "trials", "articles", "screening")
    record.add_argument(
        "--result", nargs="*", default=[], type=Path, help="the pooled results (JSON)"
    )
    record.add_argument("--history", type=Path, default=DEFAULT_HISTORY, help="history folder")
    add_output(record, "changes.json")

    diff = add_command(subparsers, "diff", run_diff)
    diff.add_argument("old", help="older record: a path, a snapshot key or 'previous'")
    diff.add_argument("new", help="newer record: a path, a snapshot key or 'latest'")
    diff.add_argument("--history", type=Path, default=DEFAULT_HISTORY, help="history folder")
    diff.add_argument(
        "--fail-on",
        action="append",
        default=[],
        choices=FAIL_ON,
        help="exit with status 1 when this change happened (repeatable)",
    )
    diff.add_argument("--json", action="store_true", help="print the comparison as JSON")


def run_history(args: argparse.Namespace) -> int:
    """Keep this run's record in the history folder and compare it with the previous run.

    Write a compact record of this run (studies, screening decisions, pooled estimates,
    snapshot hashes) as HISTORY/<snapshot key>.json, and the changes since the previous run as
    --out (JSON).
    """
    record = build_record(
        manifest_paths(args.manifest),
        args.studies,
        args.trials,
        args.articles,
        args.screening,
        args.result,
    )
    previous = keep_record(args.history, record)
    if previous is None:
        changes: dict[str, Any] = {"previous": None, "current": record["snapshot_key"]}
        log.info("first run on record: nothing to compare with")
    else:
        changes = {
            "previous": previous["snapshot_key"],
            "current": record["snapshot_key"],
            **compare_records(previous, record),
        }
        log.info("changes since %s:\n%s", previous["snapshot_key"], format_changes(changes))
    write_json_atomic(args.out, changes)
    return 0


def run_diff(args: argparse.Namespace) -> int:
    """Compare two run records (new/removed/updated studies, decisions, estimates).

    Compare two records of reports/history/ (paths, snapshot keys, or 'previous' and
    'latest'); the exit status is 1 when a --fail-on condition is met.
    """
    old = load_record(resolve(args.history, args.old))
    new = load_record(resolve(args.history, args.new))
    changes = compare_records(old, new)
    if args.json:
        sys.stdout.write(json.dumps(changes, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(format_changes(changes))
    failed = failed_conditions(changes, args.fail_on)
    for condition in failed:
        log.error("--fail-on %s: this change needs a reviewer", condition)
    return 1 if failed else 0
