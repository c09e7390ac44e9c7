rule history:
    """Keep a compact record of this run in reports/history/ and say what changed since the
    previous run.

    input:  <raw>/{ctgov,pubmed}/manifest.json,
            data/processed/{studies.csv,trials.csv,articles.csv,screening.csv},
            reports/tables/<analysis>.json
    output: reports/history/changes.json (read by the report). The records themselves
            (reports/history/<snapshot key>.json, index.json) are the review's memory across
            runs: they are not outputs, so no rerun deletes them.
    """
    input:
        ctgov_manifest=f"{RAW}/ctgov/manifest.json",
        pubmed_manifest=f"{RAW}/pubmed/manifest.json",
        studies=f"{PROCESSED}/studies.csv",
        trials=f"{PROCESSED}/trials.csv",
        articles=f"{PROCESSED}/articles.csv",
        screening=f"{PROCESSED}/screening.csv",
        results=expand(f"{REPORTS}/tables/{{analysis}}.json", analysis=ANALYSIS_IDS),
    output:
        changes=f"{REPORTS}/history/changes.json",
    log:
        log_file("history"),
    benchmark:
        benchmark_file("history")
    priority: REPORT_INPUT_PRIORITY
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        history=output_folder("changes"),
    shell:
        "trialsynth history --manifest ctgov={input.ctgov_manifest:q}"
        " --manifest pubmed={input.pubmed_manifest:q} --studies {input.studies:q}"
        " --trials {input.trials:q} --articles {input.articles:q}"
        " --screening {input.screening:q} --result {input.results:q}"
        " --history {params.history:q} --out {output.changes:q} 2> {log:q}"
