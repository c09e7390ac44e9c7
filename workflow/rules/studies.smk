rule link_records:
    """Link NCT IDs and PMIDs (registry references, DataBankList, text mentions) into studies."""
    input:
        trials=f"{PROCESSED}/trials.csv",
        articles=f"{PROCESSED}/articles.csv",
    output:
        links=f"{PROCESSED}/links.csv",
        studies=f"{PROCESSED}/studies.csv",
    log:
        "logs/link_records/link_records.log",
    conda:
        CONDA_ENV
    shell:
        "trialsynth link --trials {input.trials} --articles {input.articles}"
        " --out-links {output.links} --out-studies {output.studies} 2> {log}"


rule screen_studies:
    """Apply the protocol's eligibility rules and reviewer decisions; count PRISMA 2020 steps."""
    input:
        studies=f"{PROCESSED}/studies.csv",
        trials=f"{PROCESSED}/trials.csv",
        articles=f"{PROCESSED}/articles.csv",
        trials_skipped=f"{PROCESSED}/trials_skipped.csv",
        articles_skipped=f"{PROCESSED}/articles_skipped.csv",
        coding=f"{PROCESSED}/coding.csv",
        protocol=PROTOCOL,
        overrides="analysis/screening_overrides.csv",
    output:
        screening=f"{PROCESSED}/screening.csv",
        prisma=f"{PROCESSED}/prisma.json",
    log:
        "logs/screen_studies/screen_studies.log",
    conda:
        CONDA_ENV
    shell:
        "trialsynth screen --studies {input.studies} --trials {input.trials}"
        " --articles {input.articles} --coding {input.coding} --protocol {input.protocol}"
        " --trials-skipped {input.trials_skipped} --articles-skipped {input.articles_skipped}"
        " --overrides {input.overrides} --out {output.screening} --prisma {output.prisma}"
        " 2> {log}"
