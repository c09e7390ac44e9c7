"""trialsynth workflow: <raw snapshot> -> data/processed -> reports, for one review folder.

Every rule is a thin call of a `trialsynth` subcommand; the logic lives in the package, and
each command reads the review's protocol itself (`--protocol`). The Snakemake config only
names the review folder (`snakemake --cores 2 --config analysis_dir=examples/<review>`;
default `analysis`) and, optionally, where its snapshot and outputs live (see
workflow/rules/common.smk and workflow/schemas/config.schema.json).
"""


include: "workflow/rules/common.smk"
include: "workflow/rules/fetch.smk"
include: "workflow/rules/parse.smk"
include: "workflow/rules/code.smk"
include: "workflow/rules/link.smk"
include: "workflow/rules/screen.smk"
include: "workflow/rules/outcomes.smk"
include: "workflow/rules/meta.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/history.smk"


# At the end of a run Snakemake's scheduler still has a re-evaluation timer waiting (its job
# rate limiter, --max-jobs-per-timespan, starts one after every scheduling round, and it cannot
# be set below one second); the interpreter waits for it, ~1.3 s after the last line of every
# run. Nothing is left to schedule, so both hooks cancel it (trialsynth.workflow_update).
onsuccess:
    cancel_timers()


onerror:
    cancel_timers()


rule all:
    """The review's report (and, through it, every table and figure) and the durability
    figure when the protocol has a decay model."""
    input:
        f"{REPORTS}/report.html",
        DURABILITY_FIGURE,
