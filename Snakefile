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


rule all:
    """The review's report (and, through it, every table and figure) and the durability
    figure when the protocol has a decay model."""
    input:
        f"{REPORTS}/report.html",
        DURABILITY_FIGURE,
