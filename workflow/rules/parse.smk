rule parse_ctgov:
    """Flatten CT.gov study records into data/processed/trials.csv (one row per NCT ID)."""
    input:
        manifest=f"{RAW}/ctgov/manifest.json",
    output:
        trials=f"{PROCESSED}/trials.csv",
        skipped=f"{PROCESSED}/trials_skipped.csv",
    log:
        "logs/parse_ctgov/parse_ctgov.log",
    conda:
        CONDA_ENV
    params:
        raw_dir=lambda wildcards, input: os.path.dirname(input.manifest),
    shell:
        "trialsynth parse ctgov --raw {params.raw_dir} --out {output.trials}"
        " --skipped {output.skipped} 2> {log}"


rule parse_pubmed:
    """Flatten PubMed efetch XML into data/processed/articles.csv (one row per PMID)."""
    input:
        manifest=f"{RAW}/pubmed/manifest.json",
    output:
        articles=f"{PROCESSED}/articles.csv",
        skipped=f"{PROCESSED}/articles_skipped.csv",
    log:
        "logs/parse_pubmed/parse_pubmed.log",
    conda:
        CONDA_ENV
    params:
        raw_dir=lambda wildcards, input: os.path.dirname(input.manifest),
    shell:
        "trialsynth parse pubmed --raw {params.raw_dir} --out {output.articles}"
        " --skipped {output.skipped} 2> {log}"
