rule screen:
    """Apply the protocol's eligibility rules and reviewer decisions; count PRISMA 2020 steps.

    input:  data/processed/{studies,trials,articles,trials_skipped,articles_skipped,coding}.csv,
            <review>/protocol.yaml, <review>/screening_overrides.csv
    output: data/processed/screening.csv, data/processed/prisma.json
    """
    input:
        studies=f"{PROCESSED}/studies.csv",
        trials=f"{PROCESSED}/trials.csv",
        articles=f"{PROCESSED}/articles.csv",
        trials_skipped=f"{PROCESSED}/trials_skipped.csv",
        articles_skipped=f"{PROCESSED}/articles_skipped.csv",
        coding=f"{PROCESSED}/coding.csv",
        protocol=PROTOCOL,
        overrides=SCREENING_OVERRIDES,
    output:
        screening=f"{PROCESSED}/screening.csv",
        prisma=f"{PROCESSED}/prisma.json",
    log:
        log_file("screen"),
    benchmark:
        benchmark_file("screen")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "trialsynth screen --studies {input.studies:q} --trials {input.trials:q}"
        " --articles {input.articles:q} --coding {input.coding:q}"
        " --protocol {input.protocol:q} --trials-skipped {input.trials_skipped:q}"
        " --articles-skipped {input.articles_skipped:q} --overrides {input.overrides:q}"
        " --out {output.screening:q} --prisma {output.prisma:q} 2> {log:q}"
