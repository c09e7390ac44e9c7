"""trialsynth workflow: data/raw -> data/processed -> reports.

Every rule is a thin call of a `trialsynth` subcommand; the logic lives in the package. The
review protocol (analysis/protocol.yaml) is the configuration.
"""

from trialsynth.protocol import check_protocol_file

# A bad protocol (YAML syntax, empty file, unknown key, invalid pattern) is reported in one
# line naming the file and the line or key, before Snakemake reads it as the config.
check_protocol_file("analysis/protocol.yaml")


configfile: "analysis/protocol.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/fetch.smk"
include: "workflow/rules/parse.smk"
include: "workflow/rules/code.smk"
include: "workflow/rules/studies.smk"
include: "workflow/rules/outcomes.smk"
include: "workflow/rules/meta.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        "reports/report.html",
