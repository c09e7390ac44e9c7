"""``trialsynth report``: render ``reports/report.html`` from the pipeline's outputs."""

from __future__ import annotations

import argparse
import logging
from typing import Any

import yaml

from trialsynth.cli_options import (
    add_command,
    add_manifests,
    add_output,
    add_paths,
    add_protocol_file,
    manifest_paths,
)
from trialsynth.documents import write_text_atomic
from trialsynth.history.compare import changes_for_report
from trialsynth.report.build import ReportPaths, build_inputs, write_full_tables
from trialsynth.report.context import read_json
from trialsynth.report.exports import pooled_results_frame, pooled_rows, ris_records
from trialsynth.report.long_tables import relative_href
from trialsynth.report.render import write_report

log = logging.getLogger(__name__)

#: Manifest keys copied into run_config.yaml.
SNAPSHOT_KEYS = ("source", "api_version", "data_timestamp", "finished_utc")


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    parser = add_command(subparsers, "report", run_report)
    add_protocol_file(parser)
    add_manifests(parser)
    add_paths(
        parser,
        "prisma",
        "screening",
        "coding",
        "trials",
        "articles",
        "studies",
        "study_labels",
        "claims",
        "certainty_overrides",
        "exclusions",
        "changes",
        required=False,
        prisma="prisma.json of the screening stage",
        trials="trials.csv (titles, masking, status)",
        articles="articles.csv (authors, year, journal)",
        studies="studies.csv (records of each study)",
        study_labels=(
            "study_labels.csv of `trialsynth link` (the labels the figures print; computed from"
            " studies, articles and trials when not given)"
        ),
        claims="claims.yaml of the claims audit",
        certainty_overrides="certainty_overrides.csv (reviewer decisions)",
        exclusions="outcome_exclusions.csv",
        changes="changes.json of `trialsynth history` (the 'What changed' section)",
    )
    add_paths(
        parser,
        "analyses_dir",
        "results_dir",
        "figures_dir",
        analyses_dir="folder of the analysis tables (<id>.csv)",
        results_dir="folder of the pooled results (<id>.json)",
        figures_dir="folder of the figures",
    )
    add_output(parser, "report.html")
    add_paths(
        parser,
        "pooled_csv",
        "ris",
        "run_config",
        "tables_dir",
        required=False,
        pooled_csv="write pooled_results.csv here",
        ris="write included_studies.ris here",
        run_config="also write run_config.yaml here",
        tables_dir=(
            "write the full per-record tables (screening decisions, included studies, coding"
            " evidence, studies left out, registry gap) here as CSV; the page lists each up to"
            " the protocol's report.table_rows and links the rest (default: tables/ beside"
            " --out)"
        ),
    )


def run_report(args: argparse.Namespace) -> int:
    """Render the HTML report.

    Render a self-contained HTML report (and run_config.yaml) from the outputs of every stage.
    """
    exports = {}
    if args.pooled_csv:
        exports["pooled results (CSV)"] = relative_href(args.pooled_csv, args.out)
    if args.ris:
        exports["included studies (RIS)"] = relative_href(args.ris, args.out)
    paths = ReportPaths(
        protocol=args.protocol,
        analyses_dir=args.analyses_dir,
        results_dir=args.results_dir,
        figures_dir=args.figures_dir,
        manifests=manifest_paths(args.manifest),
        prisma=args.prisma,
        screening=args.screening,
        coding=args.coding,
        trials=args.trials,
        articles=args.articles,
        studies=args.studies,
        study_labels=args.study_labels,
        exclusions=args.exclusions,
        claims=args.claims,
        certainty_overrides=args.certainty_overrides,
        exports=exports,
        report=args.out,
        tables_dir=args.tables_dir or args.out.parent / "tables",
    )
    inputs = build_inputs(paths)
    inputs.changes = changes_for_report(read_json(args.changes)) if args.changes else None
    if inputs.changes is not None:
        inputs.changes["href"] = relative_href(args.changes, args.out)
    write_full_tables(inputs, paths)
    write_report(inputs, args.out)
    log.info("wrote %s (%d analyses)", args.out, len(inputs.analyses))
    if args.pooled_csv:
        rows = [row for a in inputs.analyses for row in pooled_rows(a.spec, a.result)]
        write_text_atomic(args.pooled_csv, pooled_results_frame(rows).to_csv(index=False))
        log.info("wrote %s (%d rows)", args.pooled_csv, len(rows))
    if args.ris:
        studies = inputs.included_studies
        text = ris_records(studies, inputs.articles_by_pmid, inputs.trials_by_nct)
        write_text_atomic(args.ris, text)
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
