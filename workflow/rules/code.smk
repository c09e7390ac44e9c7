rule code_studies:
    """Code every registered trial for drug, route, condition, psychotherapy, design and
    comparator with the codebook; reviewer overrides win and are recorded. Every arm is also
    coded for the drug of the review and psychotherapy (arms.csv)."""
    input:
        manifest=f"{RAW}/ctgov/manifest.json",
        codebook="analysis/codebook.yaml",
        overrides="analysis/coding_overrides.csv",
    output:
        coding=f"{PROCESSED}/coding.csv",
        arms=f"{PROCESSED}/arms.csv",
    log:
        "logs/code_studies/code_studies.log",
    conda:
        CONDA_ENV
    params:
        raw_dir=lambda wildcards, input: os.path.dirname(input.manifest),
    shell:
        "trialsynth code --ctgov {params.raw_dir} --codebook {input.codebook}"
        " --overrides {input.overrides} --out {output.coding} --arms-out {output.arms}"
        " 2> {log}"
