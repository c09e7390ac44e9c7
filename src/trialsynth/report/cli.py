"""``trialsynth report``: render ``reports/report.html`` from the pipeline's outputs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import yaml

from trialsynth.errors import InputError
from trialsynth.history.compare import changes_for_report
from trialsynth.protocol import load_protocol
from trialsynth.report.context import (
    load_analysis,
    package_versions,
    read_csv_records,
    read_json,
    sha256_file,
)
from trialsynth.report.render import ReportInputs, write_report
from trialsynth.tables import read_json_document, write_text_atomic

log = logging.getLogger(__name__)

#: Manifest keys copied into run_config.yaml.
SNAPSHOT_KEYS = ("source", "api_version", "data_timestamp", "finished_utc")


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="render the HTML report",
        description="Render a self-contained HTML report (and run_config.yaml) from the outputs "
        "of every stage.",
    )
    parser.add_argument("--protocol", required=True, type=Path)
    parser.add_argument(
        "--manifest",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a raw snapshot manifest, e.g. ctgov=data/raw/ctgov/manifest.json (repeatable)",
    )
    parser.add_argument("--prisma", type=Path, help="prisma.json of the screening stage")
    parser.add_argument("--screening", type=Path, help="screening.csv")
    parser.add_argument("--coding", type=Path, help="coding.csv")
    parser.add_argument("--trials", type=Path, help="trials.csv (titles of registered trials)")
    parser.add_argument("--exclusions", type=Path, help="outcome_exclusions.csv")
    parser.add_argument("--analyses-dir", required=True, type=Path)
    parser.add_argument("--results-dir", required=True, type=Path)
    parser.add_argument("--figures-dir", required=True, type=Path)
    parser.add_argument(
        "--changes",
        type=Path,
        help="changes.json of `trialsynth history` (the 'What changed' section)",
    )
    parser.add_argument("--out", required=True, type=Path, help="report.html")
    parser.add_argument("--run-config", type=Path, help="also write run_config.yaml here")
    parser.set_defaults(func=run_report)


def _parse_manifests(items: list[str]) -> dict[str, Path]:
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


def run_report(args: argparse.Namespace) -> int:
    """Load every input and write the report."""
    protocol = load_protocol(args.protocol)
    manifest_paths = _parse_manifests(args.manifest)
    manifests = {name: read_json(path) for name, path in manifest_paths.items()}
    screening = read_csv_records(args.screening, "screening") if args.screening else []
    included = {row["study_id"] for row in screening if row.get("decision") == "include"}
    coding = read_csv_records(args.coding, "coding") if args.coding else []
    if screening:
        coding = [row for row in coding if row.get("nct_id") in included]
    analyses = []
    for spec in protocol.get("analyses", []):
        analysis_id = spec["id"]
        analyses.append(
            load_analysis(
                spec,
                args.analyses_dir / f"{analysis_id}.csv",
                args.results_dir / f"{analysis_id}.json",
                args.figures_dir / f"forest_{analysis_id}.png",
            )
        )
    files = [args.protocol, *manifest_paths.values()]
    files += [
        p for p in (args.prisma, args.screening, args.coding, args.trials, args.exclusions) if p
    ]
    for section in analyses:
        files += [Path(section.paths["data"]), Path(section.paths["result"])]
    input_files = [(str(path), sha256_file(path)) for path in files]
    versions = package_versions()
    trials = read_csv_records(args.trials) if args.trials else []
    inputs = ReportInputs(
        protocol=protocol,
        manifests=manifests,
        prisma=read_json_document(args.prisma, "prisma") if args.prisma else None,
        screening=screening,
        coding=coding,
        exclusions=read_csv_records(args.exclusions, "outcome_exclusions")
        if args.exclusions
        else [],
        analyses=analyses,
        input_files=input_files,
        versions=versions,
        titles={row["nct_id"]: row.get("brief_title", "") for row in trials},
        changes=changes_for_report(read_json(args.changes)) if args.changes else None,
    )
    write_report(inputs, args.out)
    log.info("wrote %s (%d analyses)", args.out, len(analyses))
    if args.run_config:
        run_config = {
            "protocol": protocol,
            "snapshots": {
                name: {
                    k: m.get(k) for k in ("source", "api_version", "data_timestamp", "finished_utc")
                }
                for name, m in manifests.items()
            },
            "inputs": dict(input_files),
            "software": versions,
        }
        write_text_atomic(
            args.run_config, yaml.safe_dump(run_config, sort_keys=True, allow_unicode=True)
        )
    return 0
