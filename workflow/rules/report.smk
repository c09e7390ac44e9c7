rule report:
    """Self-contained HTML report: the answer first (question, key findings), methods from the
    protocol, search and provenance, PRISMA flow, included studies, results per analysis,
    durability, sensitivity, small-study effects, summary of findings with certainty,
    registry-publication gap, claims audit, software and provenance.

    input: every stage's outputs, the figures, and the review's claims.yaml and
    certainty_overrides.csv when the review has them.
    output: reports/report.html, run_config.yaml, tables/pooled_results.csv,
    included_studies.ris, and the page's per-record tables in full under tables/ (screening
    decisions, included studies, coding evidence, outcome exclusions, registry gap): the page
    lists each up to the protocol's report.table_rows and links the CSV for the rest.
    """
    input:
        protocol=PROTOCOL,
        ctgov_manifest=f"{RAW}/ctgov/manifest.json",
        pubmed_manifest=f"{RAW}/pubmed/manifest.json",
        prisma=f"{PROCESSED}/prisma.json",
        screening=f"{PROCESSED}/screening.csv",
        coding=f"{PROCESSED}/coding.csv",
        trials=f"{PROCESSED}/trials.csv",
        articles=f"{PROCESSED}/articles.csv",
        studies=f"{PROCESSED}/studies.csv",
        labels=f"{PROCESSED}/study_labels.csv",
        exclusions=f"{PROCESSED}/outcome_exclusions.csv",
        claims=optional_review_file("claims.yaml"),
        overrides=optional_review_file("certainty_overrides.csv"),
        analyses=expand(f"{PROCESSED}/analyses/{{analysis}}.csv", analysis=ANALYSIS_IDS),
        results=expand(f"{REPORTS}/tables/{{analysis}}.json", analysis=ANALYSIS_IDS),
        estimators=expand(
            f"{REPORTS}/tables/{{analysis}}.estimators.json", analysis=ANALYSIS_IDS
        ),
        forest=expand(
            f"{REPORTS}/figures/forest_{{analysis}}.png", analysis=ANALYSIS_IDS
        ),
        sensitivity=expand(
            f"{REPORTS}/figures/sensitivity_{{analysis}}", analysis=ANALYSIS_IDS
        ),
        changes=f"{REPORTS}/history/changes.json",
        prisma_flow=f"{REPORTS}/figures/prisma_flow.png",
        durability=DURABILITY_FIGURE,
    output:
        report=report(
            f"{REPORTS}/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
        run_config=f"{REPORTS}/run_config.yaml",
        pooled=f"{REPORTS}/tables/pooled_results.csv",
        ris=f"{REPORTS}/included_studies.ris",
        full_tables=expand(
            f"{REPORTS}/tables/{{table}}.csv",
            table=[
                "screening_decisions",
                "included_studies",
                "coding_evidence",
                "outcome_exclusions",
                "registry_gap",
            ],
        ),
    log:
        log_file("report"),
    benchmark:
        benchmark_file("report")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        analyses_dir=input_folder("analyses"),
        results_dir=input_folder("results"),
        figures_dir=input_folder("prisma_flow"),
        claims=optional_flag("--claims", "claims"),
        overrides=optional_flag("--certainty-overrides", "overrides"),
        tables_dir=output_folder("full_tables"),
    shell:
        "trialsynth report --protocol {input.protocol:q}"
        " --manifest ctgov={input.ctgov_manifest:q} --manifest pubmed={input.pubmed_manifest:q}"
        " --prisma {input.prisma:q} --screening {input.screening:q} --coding {input.coding:q}"
        " --trials {input.trials:q} --articles {input.articles:q} --studies {input.studies:q}"
        " --study-labels {input.labels:q}"
        " --exclusions {input.exclusions:q} {params.claims} {params.overrides}"
        " --analyses-dir {params.analyses_dir:q} --results-dir {params.results_dir:q}"
        " --figures-dir {params.figures_dir:q} --changes {input.changes:q}"
        " --out {output.report:q} --run-config {output.run_config:q}"
        " --pooled-csv {output.pooled:q} --ris {output.ris:q}"
        " --tables-dir {params.tables_dir:q} 2> {log:q}"
