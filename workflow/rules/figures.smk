rule figures_analysis:
    """Forest plot of one analysis (RevMan / metafor layout) and its sensitivity figures:
    leave-one-out (k >= 3), funnel plot with Egger's test (k >= 10) and GOSH plot
    (6 <= k <= 20), with index.json naming each figure drawn or the reason it is not. One job
    per analysis: the start-up and the inputs are read once for all its figures.

    input: the analysis table (with its studies' author-year labels, so a refresh that
    changes no row of it redraws nothing), its pooled result and the protocol (title,
    subgroups, favours labels).
    output: reports/figures/forest_<analysis>.png and .svg (PNG at 300 dpi, lower for a figure
    of hundreds of rows), reports/figures/sensitivity_<analysis>/ (index.json, leave1out.*,
    funnel.*, gosh.*)
    """
    input:
        data=f"{PROCESSED}/analyses/{{analysis}}.csv",
        result=f"{REPORTS}/tables/{{analysis}}.json",
        protocol=PROTOCOL,
    output:
        png=report(
            f"{REPORTS}/figures/forest_{{analysis}}.png",
            caption="../report/forest.rst",
            category="Forest plots",
        ),
        svg=f"{REPORTS}/figures/forest_{{analysis}}.svg",
        folder=report(
            directory(f"{REPORTS}/figures/sensitivity_{{analysis}}"),
            patterns=["{name}.png"],
            caption="../report/sensitivity.rst",
            category="Sensitivity analyses",
        ),
    log:
        log_file("figures_analysis", "{analysis}"),
    benchmark:
        benchmark_file("figures_analysis", "{analysis}")
    priority: figure_priority
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "trialsynth figures analysis --data {input.data:q} --result {input.result:q}"
        " --protocol {input.protocol:q} --analysis {wildcards.analysis:q}"
        " --out {output.png:q} {output.svg:q} --out-dir {output.folder:q} 2> {log:q}"


# The durability figure draws the protocol's decay model (kind: decay) with the horizon windows
# that subgroup by the same column (kind: arm_proportion after the course). Only file lists
# here; the command reads the windows' limits and the modality column from the protocol.
_DECAY = [a for a in _protocol["analyses"] if a.get("kind") == "decay"]
DURABILITY_DECAY = [str(a["id"]) for a in _DECAY[:1]]
DURABILITY_WINDOWS = [
    str(a["id"])
    for a in _protocol["analyses"]
    if _DECAY
    and a.get("kind") == "arm_proportion"
    and a.get("horizon_days")
    and not a.get("on_treatment")
    and a.get("by") == _DECAY[0].get("by")
]
DURABILITY_FIGURE = (
    [f"{REPORTS}/figures/durability.png", f"{REPORTS}/tables/durability_figure.csv"]
    if DURABILITY_DECAY
    else []
)


if DURABILITY_DECAY:

    rule figures_durability:
        """Durability figure: proportion still benefiting against days since the last dose per
        modality (study arms sized by n, pooled windows, the decay model's predicted curve with
        its CI band, median times), PNG and SVG, and the drawn numbers as a table.

        input:  data/processed/analyses/<decay>.csv, reports/tables/<decay>.json,
                data/processed/analyses/<window>.csv, reports/tables/<window>.json (each
                window), data/processed/median_times.csv, <review>/protocol.yaml
        output: reports/figures/durability.png, reports/figures/durability.svg,
                reports/tables/durability_figure.csv
        """
        input:
            decay_data=f"{PROCESSED}/analyses/{DURABILITY_DECAY[0]}.csv",
            decay_result=f"{REPORTS}/tables/{DURABILITY_DECAY[0]}.json",
            window_data=expand(
                f"{PROCESSED}/analyses/{{analysis}}.csv", analysis=DURABILITY_WINDOWS
            ),
            window_result=expand(
                f"{REPORTS}/tables/{{analysis}}.json", analysis=DURABILITY_WINDOWS
            ),
            medians=f"{PROCESSED}/median_times.csv",
            protocol=PROTOCOL,
        output:
            png=f"{REPORTS}/figures/durability.png",
            svg=f"{REPORTS}/figures/durability.svg",
            table=f"{REPORTS}/tables/durability_figure.csv",
        log:
            log_file("figures_durability"),
        benchmark:
            benchmark_file("figures_durability")
        priority: REPORT_INPUT_PRIORITY
        conda:
            CONDA_ENV
        resources:
            mem_mb=1000,
            runtime=10,
        shell:
            "trialsynth figures durability --protocol {input.protocol:q}"
            " --decay {input.decay_data:q} {input.decay_result:q}"
            " --window-data {input.window_data:q} --window-result {input.window_result:q}"
            " --medians {input.medians:q} --out {output.png:q} {output.svg:q}"
            " --table {output.table:q} 2> {log:q}"


rule figures_prisma:
    """PRISMA 2020 flow diagram from the screening counts.

    input: data/processed/prisma.json
    output: reports/figures/prisma_flow.png and .svg
    """
    input:
        prisma=f"{PROCESSED}/prisma.json",
    output:
        png=report(
            f"{REPORTS}/figures/prisma_flow.png",
            caption="../report/prisma_flow.rst",
            category="Search and screening",
        ),
        svg=f"{REPORTS}/figures/prisma_flow.svg",
    log:
        log_file("figures_prisma"),
    benchmark:
        benchmark_file("figures_prisma")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "trialsynth figures prisma --prisma {input.prisma:q} --out {output.png:q} {output.svg:q}"
        " 2> {log:q}"
