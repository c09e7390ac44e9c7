rule code:
    """Code every registered trial for the codebook's fields (one row per NCT ID, with the
    evidence for each value); reviewer overrides win and are recorded. Every arm is also
    coded (arms.csv). Trials whose record, codebook and package did not change since the
    last run are taken from the memo in the cache folder (a pure memo: safe to delete); the
    others are coded in `threads` worker processes when there are many.

    threads: the local cores left beside the two parse jobs a cold run starts with it
    (--cores minus 2, at least 1, at most 4), or 4 on a cluster executor (each job has its own
    CPUs). On 2 cores `code` so runs beside a parse job instead of waiting for both
    cores: a refresh codes ~1 % of the trials in one process, and a cold run at 10,000 trials
    ends sooner on one core beside parse pubmed than on two after it (the workers cost 30 %
    more CPU). `--set-threads code=N` overrides it; the tables never depend on it.

    priority: CODE_PRIORITY, so a cold run starts it at once beside one parse job.

    input:  <raw>/ctgov/manifest.json and its pages, <review>/codebook.yaml,
            <review>/coding_overrides.csv
    output: data/processed/coding.csv, data/processed/arms.csv
    """
    input:
        manifest=f"{RAW}/ctgov/manifest.json",
        pages=raw_pages("ctgov", "page-*.json"),
        codebook=CODEBOOK,
        overrides=CODING_OVERRIDES,
    output:
        coding=f"{PROCESSED}/coding.csv",
        arms=f"{PROCESSED}/arms.csv",
    log:
        log_file("code"),
    benchmark:
        benchmark_file("code")
    conda:
        CONDA_ENV
    threads: code_threads
    priority: CODE_PRIORITY
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        raw_dir=input_folder("manifest"),
        cache=CACHE,
    shell:
        "trialsynth code --ctgov {params.raw_dir:q} --codebook {input.codebook:q}"
        " --overrides {input.overrides:q} --out {output.coding:q} --arms-out {output.arms:q}"
        " --jobs {threads} --cache {params.cache:q} 2> {log:q}"
