"""Config validation and small path helpers shared by the rule files; no pipeline logic."""

import glob
import os
import shlex
import sys

from snakemake.utils import min_version, validate

from trialsynth.tables import schema_source

min_version("9.0")


# The schema ships inside the installed package (trialsynth/schemas/): the same file the
# `trialsynth` commands validate against, found without a path into the checkout.
validate(config, schema=str(schema_source("protocol")))

# Rules call the `trialsynth` command: the one installed beside the Python that runs Snakemake
# comes first on PATH, so `snakemake` works whether or not its environment is activated (under
# `--sdm conda` the rule's own environment is activated after this and its command wins).
os.environ.update(
    PATH=os.pathsep.join(
        [os.path.dirname(sys.executable), os.environ.get("PATH", os.defpath)]
    )
)

#: The conda environment file of every job under `--sdm conda` (the repository's
#: environment.yml: the same pinned versions, and this package installed from the checkout).
CONDA_ENV = "../../environment.yml"

RAW = "data/raw"
PROCESSED = "data/processed"
REPORTS = "reports"
PROTOCOL = "analysis/protocol.yaml"
EXTRACTION_DIR = "analysis/extraction"
EXTRACTION_SHEETS = sorted(glob.glob(f"{EXTRACTION_DIR}/*.csv"))
ANALYSIS_IDS = [analysis["id"] for analysis in config.get("analyses", [])]


def _flags(pairs):
    """Shell-quoted `--flag value` pairs for the values that are set."""
    return " ".join(
        f"{flag} {shlex.quote(str(value))}"
        for flag, value in pairs
        if value is not None
    )


def ctgov_query_flags(wildcards):
    """Flags of `trialsynth fetch ctgov` from the protocol's sources.ctgov section."""
    ctgov = config["sources"]["ctgov"]
    fields = ctgov.get("fields")
    return _flags(
        [
            ("--query-intr", ctgov.get("query_intr")),
            ("--query-cond", ctgov.get("query_cond")),
            ("--query-term", ctgov.get("query_term")),
            ("--filter-advanced", ctgov.get("filter_advanced")),
            ("--fields", ",".join(fields) if fields else None),
            ("--page-size", ctgov.get("page_size")),
            ("--requests-per-second", ctgov.get("requests_per_second")),
        ]
    )


def pubmed_query_flags(wildcards):
    """Flags of `trialsynth fetch pubmed` from the protocol's sources.pubmed section."""
    pubmed = config["sources"]["pubmed"]
    return _flags(
        [
            ("--term", pubmed["term"]),
            ("--batch-size", pubmed.get("batch_size")),
            ("--tool", pubmed.get("tool")),
            ("--email", pubmed.get("email")),
        ]
    )


def analysis_spec(analysis_id):
    """The protocol entry of one analysis."""
    for analysis in config.get("analyses", []):
        if analysis["id"] == analysis_id:
            return analysis
    raise ValueError(f"analysis {analysis_id!r} is not in {PROTOCOL}")


def meta_flags(wildcards):
    """Flags of `trialsynth meta` for one analysis: its measure and subgroup column, and the
    protocol's estimator settings (never a library default)."""
    spec = analysis_spec(wildcards.analysis)
    settings = config["meta"]
    zero_cells = settings.get("zero_cells", {})
    flags = [
        ("--measure", spec["measure"]),
        ("--method", settings["method"]),
        ("--test", settings["test"]),
        ("--pi", settings["pi"]),
        ("--level", settings.get("level")),
        ("--by", spec.get("by")),
        ("--add", zero_cells.get("add")),
        ("--to", zero_cells.get("to")),
    ]
    text = _flags(flags)
    if zero_cells.get("drop00"):
        text += " --drop00"
    return text


def analysis_title(wildcards):
    """Shell-quoted title of one analysis, for its figure."""
    spec = analysis_spec(wildcards.analysis)
    return shlex.quote(spec.get("title", spec["id"]))
