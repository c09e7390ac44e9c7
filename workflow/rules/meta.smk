rule pool_analysis:
    """Random-effects meta-analysis of one analysis table with the protocol's estimator
    settings (metafor-identical numbers); the JSON result feeds the figure and the report.
    """
    input:
        data=f"{PROCESSED}/analyses/{{analysis}}.csv",
        protocol=PROTOCOL,
    output:
        result=f"{REPORTS}/tables/{{analysis}}.json",
    log:
        "logs/pool_analysis/{analysis}.log",
    conda:
        CONDA_ENV
    params:
        flags=meta_flags,
    shell:
        "trialsynth meta --data {input.data} {params.flags} --allow-empty --out {output.result}"
        " > {log} 2>&1"
