"""Config validation and path helpers shared by the rule files; no pipeline logic.

The Snakemake config says which review folder to run (`analysis_dir`, default `analysis`) and
where its snapshot and outputs live; everything else is in the review's protocol.yaml, which
each `trialsynth` command reads itself (`--protocol`). Two reviews never share an output:
the default review writes data/processed, reports, logs and benchmarks at the repository
root, any other review under results/<review.id>/.
"""

import glob
import os
import shlex
import shutil
import sys

from snakemake.utils import min_version, validate

from trialsynth.protocol import check_protocol_file
from trialsynth.workflow_update import cancel_timers

min_version("9.0")


validate(config, schema="../schemas/config.schema.json")

# Rules call the `trialsynth` command. When it is not on PATH (Snakemake started as
# .venv/bin/snakemake without activating the environment), the one installed beside the Python
# that runs Snakemake is used; under `--sdm conda` the rule's own environment comes first.
if shutil.which("trialsynth") is None:
    os.environ.update(
        PATH=os.pathsep.join(
            [os.path.dirname(sys.executable), os.environ.get("PATH", os.defpath)]
        )
    )

# environment.yml names the checkout as ${TRIALSYNTH_ROOT} (Snakemake copies the file into
# .snakemake/conda/ before creating the environment, so a relative path would break there).
os.environ.setdefault("TRIALSYNTH_ROOT", workflow.basedir)

#: The conda environment file of every job under `--sdm conda` (the repository's
#: environment.yml: the same pinned versions, and this package installed from the checkout).
CONDA_ENV = "../../environment.yml"

DEFAULT_REVIEW = "analysis"
REVIEW = os.path.normpath(config["analysis_dir"])
PROTOCOL = f"{REVIEW}/protocol.yaml"
# A bad protocol (YAML syntax, empty file, unknown key, invalid pattern) is reported in one
# line naming the file and the line or key, before any rule is defined.
_protocol = check_protocol_file(PROTOCOL)
ANALYSIS_IDS = [str(analysis["id"]) for analysis in _protocol["analyses"]]

_is_default = REVIEW == DEFAULT_REVIEW
RAW = config.get("raw_dir") or ("data/raw" if _is_default else f"{REVIEW}/data/raw")
RESULTS = config.get("results_dir") or (
    "." if _is_default else f"results/{_protocol['review']['id']}"
)


def _under_results(path):
    """`path` inside the results folder (no `./` prefix for the default review)."""
    return path if RESULTS == "." else f"{RESULTS}/{path}"


PROCESSED = _under_results("data/processed")
# The per-record memo (trialsynth.memo): never an input or output of a rule, never changes a
# result; a refresh reuses what did not change. Safe to delete.
CACHE = config.get("cache_dir") or _under_results("data/cache")
REPORTS = _under_results("reports")
LOGS = _under_results("logs")
BENCHMARKS = _under_results("benchmarks")

CODEBOOK = f"{REVIEW}/codebook.yaml"
CODING_OVERRIDES = f"{REVIEW}/coding_overrides.csv"
SCREENING_OVERRIDES = f"{REVIEW}/screening_overrides.csv"
EXTRACTION_DIR = f"{REVIEW}/extraction"
EXTRACTION_SHEETS = sorted(
    f"{EXTRACTION_DIR}/{name}"
    for name in (os.listdir(EXTRACTION_DIR) if os.path.isdir(EXTRACTION_DIR) else [])
    if name.endswith(".csv")
)
if not EXTRACTION_SHEETS:
    sys.exit(
        f"error: {EXTRACTION_DIR}: no extraction sheet (*.csv) (fix: add one; a header-only"
        " sheet such as examples/template/extraction/publications.csv means no curated rows)"
    )


def log_file(rule_name, name=None):
    """logs/<rule>/<name or rule>.log of the current review."""
    return f"{LOGS}/{rule_name}/{name or rule_name}.log"


def benchmark_file(rule_name, name=None):
    """benchmarks/<rule>/<name or rule>.tsv of the current review."""
    return f"{BENCHMARKS}/{rule_name}/{name or rule_name}.tsv"


def optional_review_file(name):
    """An input function: `<review>/<name>` when the review has that file, else nothing."""

    def present(wildcards):
        path = f"{REVIEW}/{name}"
        return [path] if os.path.exists(path) else []

    return present


def optional_flag(flag, key):
    """A params function: `flag <path>` for optional input `key` when it is present."""

    def text(wildcards, input):
        paths = list(input[key]) if not isinstance(input[key], str) else [input[key]]
        return f"{flag} {shlex.quote(paths[0])}" if paths else ""

    return text


def input_folder(key):
    """A params function: the folder of input file `key` (the first one of a list)."""

    def folder(wildcards, input):
        paths = input[key]
        return os.path.dirname(paths if isinstance(paths, str) else paths[0])

    return folder


def output_folder(key):
    """A params function: the folder of output file `key` (the first one of a list)."""

    def folder(wildcards, output):
        paths = output[key]
        return os.path.dirname(paths if isinstance(paths, str) else paths[0])

    return folder


def raw_pages(source, pattern):
    """Input function: the data files (`pattern`) of the raw snapshot <raw>/<source> that a
    stage reads, so that an edited page reruns every stage that reads it (the stage then
    checks the page against the snapshot's manifest). The fetch rules are checkpoints, so the
    list is taken again after a fetch."""

    def pages(wildcards):
        getattr(checkpoints, f"fetch_{source}").get()
        return sorted(glob.glob(f"{RAW}/{source}/{pattern}"))

    return pages


def code_threads(wildcards):
    """Worker processes of the code job: the local cores left beside the two parse jobs a cold
    run starts with it (--cores minus 2, at least 1, at most 4), or 4 on a cluster executor,
    where each job has its own CPUs. `--set-threads code=N` overrides it."""
    if not workflow.local_exec:
        return 4
    return max(1, min(4, (workflow.resource_settings.cores or 6) - 2))


#: Scheduling priority of the code job. It reads only the raw registry pages, and it is the
#: longest job before screening (~9 s of CPU at 10,000 trials, against 6.7 s for parse pubmed
#: and 2.8 s for parse ctgov): left at the default priority it started only after
#: parse ctgov had ended, and screening waited for it (longest-processing-time first, Graham
#: 1969). Changes the order of jobs only, never an output.
CODE_PRIORITY = 1


#: Analyses fed by the registry's posted results: their size grows with the registry.
REGISTRY_FED = {
    str(analysis["id"])
    for analysis in _protocol["analyses"]
    if "ctgov_results" in (analysis.get("source_preference") or [])
}


def _scheduling_rank(analysis):
    """2 for an analysis fed by the registry's posted results (its `source_preference` lists
    `ctgov_results`): it grows with the registry, and at registry scale its figure job is the
    longest of the fan-out (6-10 s at 10,000 trials against ~1.6 s for a curated-sheet
    analysis). 1 for an analysis the durability figure draws (the decay model and its
    windows, DURABILITY_DECAY and DURABILITY_WINDOWS in figures.smk): the figure waits for all
    of them, and started last it ran alone on one core before the report. 0 otherwise.
    """
    if analysis in REGISTRY_FED:
        return 2
    return 1 if analysis in DURABILITY_DECAY + DURABILITY_WINDOWS else 0


def meta_priority(wildcards):
    """Scheduling priority of an analysis's pooling job: above its figure job's, so the jobs
    that unlock the long figure jobs run first. Starting the longest jobs first (Graham's
    longest-processing-time rule, 1969) and the durability figure's inputs before the small
    rest keeps both cores busy to the end of the fan-out instead of leaving one long job or
    the durability figure running alone. Changes the order of jobs only, never an output.
    """
    rank = _scheduling_rank(wildcards.analysis)
    return 2 * rank if rank else 0


def figure_priority(wildcards):
    """Scheduling priority of an analysis's figure job (see meta_priority): a registry-fed
    analysis's figures come right after the pooling jobs of its rank; the figures of the
    durability figure's windows are no more urgent than any other small job."""
    return 3 if _scheduling_rank(wildcards.analysis) == 2 else 0


#: Priority of a job that waits for many pooling jobs and that only the report waits for (the
#: durability figure, the history record): that of the durability figure's pooling jobs
#: (meta_priority), so it starts as soon as its inputs exist. At the default priority the
#: history job started only after the last small figure job (cold 10k timeline of session 7:
#: history 50.6-52.3 s, then the report), and both ran alone at the end of the run.
REPORT_INPUT_PRIORITY = 2


def meta_predict_input(wildcards):
    """The moderator values an analysis predicts at (its `model.predict` CSV), if any: an
    input of the pooling rule, so a change of the values reruns it."""
    for analysis in config.get("analyses", []):
        if analysis["id"] == wildcards.analysis:
            predict = (analysis.get("model") or {}).get("predict")
            return [f"{REVIEW}/{predict}"] if predict else []
    return []
