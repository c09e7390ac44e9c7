rule parse_ctgov:
    """Flatten CT.gov study records into one row per NCT ID; keep their posted results.

    input:  <raw>/ctgov/manifest.json (and its pages)
    output: data/processed/trials.csv, data/processed/trials_skipped.csv,
            data/processed/ctgov_posted_results.jsonl (each kept study's NCT ID, acronym and
            posted outcome measures as received: the outcomes rule reads them instead of
            decoding the pages again)
    """
    input:
        manifest=f"{RAW}/ctgov/manifest.json",
        pages=raw_pages("ctgov", "page-*.json"),
    output:
        trials=f"{PROCESSED}/trials.csv",
        skipped=f"{PROCESSED}/trials_skipped.csv",
        posted_results=f"{PROCESSED}/ctgov_posted_results.jsonl",
    log:
        log_file("parse_ctgov"),
    benchmark:
        benchmark_file("parse_ctgov")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        raw_dir=input_folder("manifest"),
    shell:
        "trialsynth parse ctgov --raw {params.raw_dir:q} --out {output.trials:q}"
        " --skipped {output.skipped:q} --posted-results {output.posted_results:q} 2> {log:q}"


rule parse_pubmed:
    """Flatten PubMed efetch XML into one row per PMID.

    input:  <raw>/pubmed/manifest.json (and its efetch files)
    output: data/processed/articles.csv, data/processed/articles_skipped.csv
    """
    input:
        manifest=f"{RAW}/pubmed/manifest.json",
        pages=raw_pages("pubmed", "efetch-*.xml"),
    output:
        articles=f"{PROCESSED}/articles.csv",
        skipped=f"{PROCESSED}/articles_skipped.csv",
    log:
        log_file("parse_pubmed"),
    benchmark:
        benchmark_file("parse_pubmed")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        raw_dir=input_folder("manifest"),
    shell:
        "trialsynth parse pubmed --raw {params.raw_dir:q} --out {output.articles:q}"
        " --skipped {output.skipped:q} 2> {log:q}"
