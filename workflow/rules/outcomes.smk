rule outcomes:
    """Extract outcomes (CT.gov posted results, curated extraction sheets) with their sources,
    verify the sheet numbers against the PubMed snapshot, and write one metafor-style input
    table per analysis of the protocol.

    input:  data/processed/ctgov_posted_results.jsonl (the posted results parse_ctgov kept),
            <review>/extraction/*.csv, <review>/protocol.yaml,
            <review>/codebook.yaml, data/processed/{coding,screening,articles}.csv,
            data/processed/study_labels.csv (each analysis table's study_label column, which
            the figures draw: a refresh that changes labels only of studies in no analysis
            redraws no figure)
    output: data/processed/outcomes.csv, data/processed/outcome_exclusions.csv,
            data/processed/outcome_verification.csv, data/processed/median_times.csv
            (median times per arm, tabulated and never pooled),
            data/processed/analyses/<analysis>.csv (one per protocol analysis)
    """
    input:
        posted_results=f"{PROCESSED}/ctgov_posted_results.jsonl",
        extraction=EXTRACTION_SHEETS,
        protocol=PROTOCOL,
        coding=f"{PROCESSED}/coding.csv",
        screening=f"{PROCESSED}/screening.csv",
        articles=f"{PROCESSED}/articles.csv",
        codebook=CODEBOOK,
        labels=f"{PROCESSED}/study_labels.csv",
    output:
        outcomes=f"{PROCESSED}/outcomes.csv",
        exclusions=f"{PROCESSED}/outcome_exclusions.csv",
        verification=f"{PROCESSED}/outcome_verification.csv",
        medians=f"{PROCESSED}/median_times.csv",
        analyses=expand(f"{PROCESSED}/analyses/{{analysis}}.csv", analysis=ANALYSIS_IDS),
    log:
        log_file("outcomes"),
    benchmark:
        benchmark_file("outcomes")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        extraction_dir=input_folder("extraction"),
        analyses_dir=output_folder("analyses"),
    shell:
        "trialsynth outcomes --posted-results {input.posted_results:q}"
        " --extraction-dir {params.extraction_dir:q} --protocol {input.protocol:q}"
        " --coding {input.coding:q} --screening {input.screening:q}"
        " --articles {input.articles:q} --verification {output.verification:q}"
        " --medians {output.medians:q} --codebook {input.codebook:q}"
        " --labels {input.labels:q}"
        " --out {output.outcomes:q} --analyses-dir {params.analyses_dir:q}"
        " --exclusions {output.exclusions:q} 2> {log:q}"
