rule meta:
    """Random-effects meta-analysis of one analysis table; the command reads the analysis's
    measure and subgroup column and the estimator settings from the protocol (metafor-identical
    numbers). An analysis without studies gives a k = 0 result, reported, not fatal.

    input:  data/processed/analyses/<analysis>.csv, <review>/protocol.yaml
    output: reports/tables/<analysis>.json, and <analysis>.estimators.json (the pooled estimate
    under the other tau^2 estimators, which the report shows without refitting). The analysis
    wildcard is an id of the protocol schema (^[a-z0-9][a-z0-9_]*$), so <id>.estimators.json is
    always this rule's second output, never the result of an analysis "<id>.estimators".
    """
    input:
        data=f"{PROCESSED}/analyses/{{analysis}}.csv",
        protocol=PROTOCOL,
        predict=meta_predict_input,
    output:
        result=f"{REPORTS}/tables/{{analysis}}.json",
        estimators=f"{REPORTS}/tables/{{analysis}}.estimators.json",
    log:
        log_file("meta", "{analysis}"),
    benchmark:
        benchmark_file("meta", "{analysis}")
    wildcard_constraints:
        analysis=r"[a-z0-9][a-z0-9_]*",
    priority: meta_priority
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "trialsynth meta --protocol {input.protocol:q} --analysis {wildcards.analysis:q}"
        " --data {input.data:q} --allow-empty --out {output.result:q}"
        " --estimators-out {output.estimators:q} > {log:q} 2>&1"
