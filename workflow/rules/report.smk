rule render_report:
    """Self-contained HTML report: PRISMA counts, coding with evidence, every analysis with its
    forest plot and the source of every number, exclusions, and provenance."""
    input:
        protocol=PROTOCOL,
        ctgov_manifest=f"{RAW}/ctgov/manifest.json",
        pubmed_manifest=f"{RAW}/pubmed/manifest.json",
        prisma=f"{PROCESSED}/prisma.json",
        screening=f"{PROCESSED}/screening.csv",
        coding=f"{PROCESSED}/coding.csv",
        trials=f"{PROCESSED}/trials.csv",
        exclusions=f"{PROCESSED}/outcome_exclusions.csv",
        results=expand(f"{REPORTS}/tables/{{analysis}}.json", analysis=ANALYSIS_IDS),
        figures=expand(
            f"{REPORTS}/figures/forest_{{analysis}}.png", analysis=ANALYSIS_IDS
        ),
    output:
        report=f"{REPORTS}/report.html",
        run_config=f"{REPORTS}/run_config.yaml",
    log:
        "logs/render_report/render_report.log",
    conda:
        CONDA_ENV
    params:
        analyses_dir=f"{PROCESSED}/analyses",
        results_dir=lambda wildcards, input: os.path.dirname(input.results[0]),
        figures_dir=lambda wildcards, input: os.path.dirname(input.figures[0]),
    shell:
        "trialsynth report --protocol {input.protocol}"
        " --manifest ctgov={input.ctgov_manifest} --manifest pubmed={input.pubmed_manifest}"
        " --prisma {input.prisma} --screening {input.screening} --coding {input.coding}"
        " --trials {input.trials}"
        " --exclusions {input.exclusions} --analyses-dir {params.analyses_dir}"
        " --results-dir {params.results_dir} --figures-dir {params.figures_dir}"
        " --out {output.report} --run-config {output.run_config} 2> {log}"
