"""``trialsynth report``: render ``reports/report.html`` from the pipeline's outputs."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

import yaml

from trialsynth.errors import InputError
from trialsynth.history.compare import changes_for_report
from trialsynth.report.build import ReportPaths, build_inputs
from trialsynth.report.context import read_csv_records, read_json
from trialsynth.report.exports import pooled_results_frame, pooled_rows, ris_records
from trialsynth.report.render import write_report
from trialsynth.tables import write_text_atomic

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
    parser.add_argument("--trials", type=Path, help="trials.csv (titles, masking, status)")
    parser.add_argument("--articles", type=Path, help="articles.csv (authors, year, journal)")
    parser.add_argument("--studies", type=Path, help="studies.csv (records of each study)")
    parser.add_argument("--claims", type=Path, help="claims.yaml of the claims audit")
    parser.add_argument(
        "--certainty-overrides", type=Path, help="certainty_overrides.csv (reviewer decisions)"
    )
    parser.add_argument("--pooled-csv", type=Path, help="write pooled_results.csv here")
    parser.add_argument("--ris", type=Path, help="write included_studies.ris here")
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
    """Load every input, write the report, its exports and run_config.yaml."""
    exports = {}
    if args.pooled_csv:
        exports["pooled results (CSV)"] = _relative(args.pooled_csv, args.out)
    if args.ris:
        exports["included studies (RIS)"] = _relative(args.ris, args.out)
    paths = ReportPaths(
        protocol=args.protocol,
        analyses_dir=args.analyses_dir,
        results_dir=args.results_dir,
        figures_dir=args.figures_dir,
        manifests=_parse_manifests(args.manifest),
        prisma=args.prisma,
        screening=args.screening,
        coding=args.coding,
        trials=args.trials,
        articles=args.articles,
        studies=args.studies,
        exclusions=args.exclusions,
        claims=args.claims,
        certainty_overrides=args.certainty_overrides,
        exports=exports,
    )
    inputs = build_inputs(paths)
    inputs.changes = changes_for_report(read_json(args.changes)) if args.changes else None
    write_report(inputs, args.out)
    log.info("wrote %s (%d analyses)", args.out, len(inputs.analyses))
    if args.pooled_csv:
        rows = [row for a in inputs.analyses for row in pooled_rows(a.spec, a.result)]
        write_text_atomic(args.pooled_csv, pooled_results_frame(rows).to_csv(index=False))
        log.info("wrote %s (%d rows)", args.pooled_csv, len(rows))
    if args.ris:
        included = {row["study_id"] for row in inputs.screening if row["decision"] == "include"}
        studies = [s for s in read_csv_records(args.studies) if s["study_id"] in included]
        articles = {a["pmid"]: a for a in read_csv_records(args.articles)}
        trials = {t["nct_id"]: t for t in read_csv_records(args.trials)}
        write_text_atomic(args.ris, ris_records(studies, articles, trials))
        log.info("wrote %s (%d studies)", args.ris, len(studies))
    if args.run_config:
        run_config = {
            "protocol": inputs.protocol,
            "snapshots": {
                name: {k: m.get(k) for k in SNAPSHOT_KEYS} for name, m in inputs.manifests.items()
            },
            "inputs": dict(inputs.input_files),
            "software": inputs.versions,
        }
        write_text_atomic(
            args.run_config, yaml.safe_dump(run_config, sort_keys=True, allow_unicode=True)
        )
    return 0


def _relative(path: Path, report: Path) -> str:
    """``path`` as a link relative to the report's folder."""
    return os.path.relpath(path, report.parent)
