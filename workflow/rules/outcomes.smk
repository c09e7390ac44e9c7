rule extract_outcomes:
    """Extract outcomes (CT.gov posted results, curated publication sheets) with their sources,
    verify the sheet numbers against the PubMed snapshot, and write one metafor-style input
    table per analysis of the protocol.

    Inputs: CT.gov pages, analysis/extraction/*.csv, the protocol, coding.csv, screening.csv,
    articles.csv. Outputs: outcomes.csv, outcome_exclusions.csv, outcome_verification.csv,
    analyses/<id>.csv.
    """
    input:
        manifest=f"{RAW}/ctgov/manifest.json",
        extraction=EXTRACTION_SHEETS,
        protocol=PROTOCOL,
        coding=f"{PROCESSED}/coding.csv",
        screening=f"{PROCESSED}/screening.csv",
        articles=f"{PROCESSED}/articles.csv",
    output:
        outcomes=f"{PROCESSED}/outcomes.csv",
        exclusions=f"{PROCESSED}/outcome_exclusions.csv",
        verification=f"{PROCESSED}/outcome_verification.csv",
        analyses=expand(f"{PROCESSED}/analyses/{{analysis}}.csv", analysis=ANALYSIS_IDS),
    log:
        "logs/extract_outcomes/extract_outcomes.log",
    conda:
        CONDA_ENV
    params:
        raw_dir=lambda wildcards, input: os.path.dirname(input.manifest),
        extraction_dir=lambda wildcards, input: os.path.dirname(input.extraction[0]),
        analyses_dir=lambda wildcards, output: os.path.dirname(output.analyses[0]),
    shell:
        "trialsynth outcomes --ctgov-raw {params.raw_dir} --extraction-dir {params.extraction_dir}"
        " --protocol {input.protocol} --coding {input.coding} --screening {input.screening}"
        " --articles {input.articles} --verification {output.verification}"
        " --out {output.outcomes} --analyses-dir {params.analyses_dir}"
        " --exclusions {output.exclusions} 2> {log}"
