rule forest_plot:
    """Forest plot of one analysis (metafor forest.rma layout), PNG and SVG; the title is the
    analysis's title in the protocol, read by the command.

    input:  data/processed/analyses/<analysis>.csv, reports/tables/<analysis>.json,
            <review>/protocol.yaml
    output: reports/figures/forest_<analysis>.png, reports/figures/forest_<analysis>.svg
    """
    input:
        data=f"{PROCESSED}/analyses/{{analysis}}.csv",
        result=f"{REPORTS}/tables/{{analysis}}.json",
        protocol=PROTOCOL,
    output:
        png=f"{REPORTS}/figures/forest_{{analysis}}.png",
        svg=f"{REPORTS}/figures/forest_{{analysis}}.svg",
    log:
        log_file("forest_plot", "{analysis}"),
    benchmark:
        benchmark_file("forest_plot", "{analysis}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "trialsynth forest --protocol {input.protocol:q} --analysis {wildcards.analysis:q}"
        " --data {input.data:q} --result {input.result:q}"
        " --out {output.png:q} {output.svg:q} 2> {log:q}"
