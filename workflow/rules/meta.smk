rule meta:
    """Random-effects meta-analysis of one analysis table; the command reads the analysis's
    measure and subgroup column and the estimator settings from the protocol (metafor-identical
    numbers). An analysis without studies gives a k = 0 result, reported, not fatal.

    input:  data/processed/analyses/<analysis>.csv, <review>/protocol.yaml
    output: reports/tables/<analysis>.json
    """
    input:
        data=f"{PROCESSED}/analyses/{{analysis}}.csv",
        protocol=PROTOCOL,
        predict=meta_predict_input,
    output:
        result=f"{REPORTS}/tables/{{analysis}}.json",
    log:
        log_file("meta", "{analysis}"),
    benchmark:
        benchmark_file("meta", "{analysis}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "trialsynth meta --protocol {input.protocol:q} --analysis {wildcards.analysis:q}"
        " --data {input.data:q} --allow-empty --out {output.result:q} > {log:q} 2>&1"
