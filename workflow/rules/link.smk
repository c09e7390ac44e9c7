rule link:
    """Link NCT IDs and PMIDs (registry references, DataBankList, text mentions) into studies.

    input:  data/processed/trials.csv, data/processed/articles.csv
    output: data/processed/links.csv, data/processed/studies.csv,
            data/processed/study_labels.csv (the author-year label of every study)
    """
    input:
        trials=f"{PROCESSED}/trials.csv",
        articles=f"{PROCESSED}/articles.csv",
    output:
        links=f"{PROCESSED}/links.csv",
        studies=f"{PROCESSED}/studies.csv",
        labels=f"{PROCESSED}/study_labels.csv",
    log:
        log_file("link"),
    benchmark:
        benchmark_file("link")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "trialsynth link --trials {input.trials:q} --articles {input.articles:q}"
        " --out-links {output.links:q} --out-studies {output.studies:q}"
        " --out-labels {output.labels:q} 2> {log:q}"
