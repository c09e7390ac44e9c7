"""Readable text summary of a meta-analysis, laid out like metafor's ``print.rma.uni``."""

from __future__ import annotations

from typing import Any

from trialsynth.meta.result import MetaResult


def format_number(value: Any, digits: int = 4) -> str:
    """A number with ``digits`` decimals, as metafor prints it; ``None`` (NaN in JSON) as ``NA``."""
    return "NA" if value is None else f"{value:.{digits}f}"


def format_p(value: Any) -> str:
    """A p-value as metafor prints it: ``<.0001`` below 1e-4, else four decimals; ``NA`` if none."""
    if value is None:
        return "NA"
    return "<.0001" if value < 1e-4 else f"{value:.4f}"


def format_values(values: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The numbers ``values[key]`` side by side as metafor prints a results row (``pval`` as a
    p-value)."""
    return "  ".join(
        format_p(values[key]) if key == "pval" else format_number(values[key]) for key in keys
    )


def with_warnings(lines: list[str], result: dict[str, Any]) -> str:
    """The summary text: ``lines`` then one ``Warning:`` line per warning of ``result``."""
    lines = lines + [f"Warning: {text}" for text in result.get("warnings", [])]
    return "\n".join(lines) + "\n"


_f = format_number
_p = format_p


def format_summary(fitted: MetaResult) -> str:
    """Text summary of a fitted model (numbers as in its JSON form, NaN shown as ``NA``)."""
    result = fitted.to_dict()
    s = result["settings"]
    model = "Fixed-Effects Model" if s["method"] == "FE" else "Random-Effects Model"
    lines = [f"{model} (k = {result['k']}; tau^2 estimator: {s['method']})", ""]
    if s["method"] != "FE":
        lines.append(
            f"tau^2 (estimated amount of total heterogeneity): {_f(result['tau2'])}"
            f" (95% Q-profile CI: {_f(result['tau2_ci_lb'])}, {_f(result['tau2_ci_ub'])})"
        )
    lines += [
        f"I^2 (total heterogeneity / total variability):   {_f(result['I2'], 2)}%"
        f" (CI: {_f(result['I2_ci_lb'], 2)}%, {_f(result['I2_ci_ub'], 2)}%)",
        f"H^2 (total variability / sampling variability):  {_f(result['H2'], 2)}",
        "",
        "Test for Heterogeneity:",
        f"Q(df = {result['Q_df']}) = {_f(result['Q'])}, p-val = {_p(result['Q_p'])}",
        "",
        f"Model Results (measure {s['measure']}, test {s['test']}, level {s['level']}%;"
        " ratio measures on the log scale):",
        "",
        "estimate      se    stat    pval   ci.lb   ci.ub   pi.lb   pi.ub",
        format_values(
            result, ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
        ),
        f"(prediction interval: {s['pi']})",
    ]
    if result.get("mantel_haenszel"):
        mh = result["mantel_haenszel"]
        lines += [
            "",
            "Mantel-Haenszel: "
            + ", ".join(f"{k} {_f(mh[k]) if k != 'pval' else _p(mh[k])}" for k in mh),
        ]
    if result.get("egger_lm"):
        eg = result["egger_lm"]
        lines += [
            "",
            f"Egger's regression test: t = {_f(eg['stat'])}, df = {eg['df']}, p = {_p(eg['pval'])}",
        ]
    if result.get("subgroups"):
        lines += ["", "Subgroups:"]
        for level, g in result["subgroups"].items():
            lines.append(
                f"  {level}: k = {g['k']}, estimate {_f(g['estimate'])} "
                f"[{_f(g['ci_lb'])}, {_f(g['ci_ub'])}], tau^2 {_f(g['tau2'])}, "
                f"I^2 {_f(g['I2'], 2)}%"
            )
        lines.append(
            f"Test for subgroup differences: Q(df = {result['Q_between_df']}) = "
            f"{_f(result['Q_between'])}, p-val = {_p(result['Q_between_p'])}"
        )
    return with_warnings(lines, result)
