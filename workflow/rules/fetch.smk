rule fetch_ctgov:
    """Fetch trial records from ClinicalTrials.gov API v2 (query from the protocol).

    Runs only when data/raw/ctgov/manifest.json is absent: the shipped snapshot is the default.
    To refresh, `make refresh` (snakemake --forcerun fetch_ctgov fetch_pubmed).
    """
    output:
        # update(): Snakemake must not delete the previous snapshot before the fetch; the
        # command replaces it atomically, and only when the fetch is complete.
        manifest=update(f"{RAW}/ctgov/manifest.json"),
    log:
        "logs/fetch_ctgov/fetch_ctgov.log",
    retries: 1
    conda:
        CONDA_ENV
    params:
        out_dir=lambda wildcards, output: os.path.dirname(output.manifest),
        query=ctgov_query_flags,
    shell:
        "trialsynth fetch ctgov --out {params.out_dir} {params.query} 2> {log}"


rule fetch_pubmed:
    """Fetch PubMed records through E-utilities (esearch with history, efetch in batches).

    Runs only when data/raw/pubmed/manifest.json is absent; NCBI_API_KEY is read from the
    environment by the command and never passed as a parameter.
    """
    output:
        # update(): Snakemake must not delete the previous snapshot before the fetch; the
        # command replaces it atomically, and only when the fetch is complete.
        manifest=update(f"{RAW}/pubmed/manifest.json"),
    log:
        "logs/fetch_pubmed/fetch_pubmed.log",
    retries: 1
    conda:
        CONDA_ENV
    params:
        out_dir=lambda wildcards, output: os.path.dirname(output.manifest),
        query=pubmed_query_flags,
    shell:
        "trialsynth fetch pubmed --out {params.out_dir} {params.query} 2> {log}"
