rule render_report:
    """Self-contained HTML report: PRISMA counts, coding with evidence, every analysis with its
    forest plot and the source of every number, exclusions, and provenance.

    input:  <review>/protocol.yaml, <raw>/{ctgov,pubmed}/manifest.json,
            data/processed/{prisma.json,screening.csv,coding.csv,trials.csv,
            outcome_exclusions.csv}, data/processed/analyses/<analysis>.csv,
            reports/tables/<analysis>.json, reports/figures/forest_<analysis>.png,
            reports/history/changes.json
    output: reports/report.html, reports/run_config.yaml
    """
    input:
        protocol=PROTOCOL,
        ctgov_manifest=f"{RAW}/ctgov/manifest.json",
        pubmed_manifest=f"{RAW}/pubmed/manifest.json",
        prisma=f"{PROCESSED}/prisma.json",
        screening=f"{PROCESSED}/screening.csv",
        coding=f"{PROCESSED}/coding.csv",
        trials=f"{PROCESSED}/trials.csv",
        exclusions=f"{PROCESSED}/outcome_exclusions.csv",
        analyses=expand(f"{PROCESSED}/analyses/{{analysis}}.csv", analysis=ANALYSIS_IDS),
        results=expand(f"{REPORTS}/tables/{{analysis}}.json", analysis=ANALYSIS_IDS),
        figures=expand(
            f"{REPORTS}/figures/forest_{{analysis}}.png", analysis=ANALYSIS_IDS
        ),
        changes=f"{REPORTS}/history/changes.json",
    output:
        report=f"{REPORTS}/report.html",
        run_config=f"{REPORTS}/run_config.yaml",
    log:
        log_file("render_report"),
    benchmark:
        benchmark_file("render_report")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        analyses_dir=input_folder("analyses"),
        results_dir=input_folder("results"),
        figures_dir=input_folder("figures"),
    shell:
        "trialsynth report --protocol {input.protocol:q}"
        " --manifest ctgov={input.ctgov_manifest:q} --manifest pubmed={input.pubmed_manifest:q}"
        " --prisma {input.prisma:q} --screening {input.screening:q} --coding {input.coding:q}"
        " --trials {input.trials:q} --exclusions {input.exclusions:q}"
        " --analyses-dir {params.analyses_dir:q} --results-dir {params.results_dir:q}"
        " --figures-dir {params.figures_dir:q} --changes {input.changes:q}"
        " --out {output.report:q} --run-config {output.run_config:q} 2> {log:q}"
