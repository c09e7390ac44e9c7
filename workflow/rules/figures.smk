rule plot_forest:
    """Forest plot of one analysis (metafor forest.rma layout), PNG and SVG."""
    input:
        data=f"{PROCESSED}/analyses/{{analysis}}.csv",
        result=f"{REPORTS}/tables/{{analysis}}.json",
    output:
        png=f"{REPORTS}/figures/forest_{{analysis}}.png",
        svg=f"{REPORTS}/figures/forest_{{analysis}}.svg",
    log:
        "logs/plot_forest/{analysis}.log",
    conda:
        CONDA_ENV
    params:
        title=analysis_title,
    shell:
        "trialsynth forest --data {input.data} --result {input.result} --title {params.title}"
        " --out {output.png} {output.svg} 2> {log}"
