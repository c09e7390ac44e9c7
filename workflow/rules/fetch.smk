checkpoint fetch_ctgov:
    """Fetch trial records from ClinicalTrials.gov API v2; the query is the protocol's
    sources.ctgov section, read by the command.

    Runs only when the snapshot's manifest is absent: the shipped snapshot is the default.
    To refresh, `make refresh` (snakemake --forcerun fetch_ctgov fetch_pubmed). A checkpoint:
    the rules that read the pages list them again after a fetch (raw_pages in common.smk).

    input:  <review>/protocol.yaml
    output: <raw>/ctgov/manifest.json and the pages beside it
    """
    input:
        # ancient(): editing the protocol does not refetch; a refresh is asked for explicitly.
        protocol=ancient(PROTOCOL),
    output:
        # update(): Snakemake must not delete the previous snapshot before the fetch; the
        # command replaces it atomically, and only when the fetch is complete.
        manifest=update(f"{RAW}/ctgov/manifest.json"),
    log:
        log_file("fetch_ctgov"),
    benchmark:
        benchmark_file("fetch_ctgov")
    retries: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        out_dir=output_folder("manifest"),
    shell:
        "trialsynth fetch ctgov --protocol {input.protocol:q} --out {params.out_dir:q}"
        " 2> {log:q}"


checkpoint fetch_pubmed:
    """Fetch PubMed records through E-utilities (esearch with history, efetch in batches); the
    search is the protocol's sources.pubmed section, read by the command.

    Runs only when the snapshot's manifest is absent; NCBI_API_KEY is read from the
    environment by the command and never passed as a parameter.

    input:  <review>/protocol.yaml
    output: <raw>/pubmed/manifest.json and the esearch/efetch files beside it
    """
    input:
        # ancient(): editing the protocol does not refetch; a refresh is asked for explicitly.
        protocol=ancient(PROTOCOL),
    output:
        # update(): Snakemake must not delete the previous snapshot before the fetch; the
        # command replaces it atomically, and only when the fetch is complete.
        manifest=update(f"{RAW}/pubmed/manifest.json"),
    log:
        log_file("fetch_pubmed"),
    benchmark:
        benchmark_file("fetch_pubmed")
    retries: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        out_dir=output_folder("manifest"),
    shell:
        "trialsynth fetch pubmed --protocol {input.protocol:q} --out {params.out_dir:q}"
        " 2> {log:q}"
