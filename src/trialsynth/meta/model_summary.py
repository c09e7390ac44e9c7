"""Readable text summary of a model with moderators, laid out like metafor's ``print.rma``."""

from __future__ import annotations

from typing import Any

from trialsynth.meta.result import MetaResult
from trialsynth.meta.summary import format_number as _f
from trialsynth.meta.summary import format_p as _p
from trialsynth.meta.summary import format_values, with_warnings

#: Columns of a coefficient row, in metafor's order.
COEFFICIENT_KEYS = ("estimate", "se", "pval", "ci_lb", "ci_ub")
_PREDICTION_KEYS = {"pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"}


def format_model_summary(fitted: MetaResult) -> str:
    """Text summary of a meta-regression or three-level model (its JSON numbers; NaN as NA)."""
    result = fitted.to_dict()
    s = result["settings"]
    lines = _variance_lines(result) + _test_lines(result)
    lines += [
        "",
        f"Model Results (measure {s['measure']}, test {s['test']}, level {s['level']}%):",
        "",
        f"{'':24s}estimate      se    pval   ci.lb   ci.ub",
    ]
    for name, c in result["coefficients"].items():
        lines.append(f"{name:24s}" + format_values(c, COEFFICIENT_KEYS))
    lines.append(f"(same fit in R: {s['metafor_call']})")
    return with_warnings(lines + _prediction_lines(result), result)


def _variance_lines(result: dict[str, Any]) -> list[str]:
    """Header and variance components: sigma^2 of a three-level model, else tau^2, I^2, R^2."""
    s = result["settings"]
    if s.get("model") == "rma.mv":
        return [
            f"Multilevel Model (k = {result['k']}; {s['method']}; rows within "
            f"{result['n_clusters']} clusters of {s['cluster']})",
            "",
            f"sigma^2 between clusters: {_f(result['sigma2'][0])}",
            f"sigma^2 within clusters:  {_f(result['sigma2'][1])}",
        ]
    lines = [
        f"Mixed-Effects Model (k = {result['k']}; tau^2 estimator: {s['method']})",
        "",
        f"tau^2 (estimated amount of residual heterogeneity): {_f(result['tau2'])}",
        f"I^2 (residual heterogeneity / unaccounted variability): {_f(result['I2'], 2)}%",
    ]
    if result.get("R2") is not None:
        lines.append(f"R^2 (amount of heterogeneity accounted for): {_f(result['R2'], 2)}%")
    return lines


def _test_lines(result: dict[str, Any]) -> list[str]:
    """The QE and QM (or F) tests, and the cluster-robust setting when used."""
    qm_df = ", ".join(str(d) for d in result["QM_df"])
    qm_name = "F" if len(result["QM_df"]) == 2 else "QM"
    lines = [
        "",
        f"Test for Residual Heterogeneity: QE(df = {result['QE_df']}) = {_f(result['QE'])}, "
        f"p-val = {_p(result['QE_p'])}",
        f"Test of Moderators: {qm_name}(df = {qm_df}) = {_f(result['QM'])}, "
        f"p-val = {_p(result['QM_p'])}",
    ]
    if result.get("robust"):
        rb = result["robust"]
        lines.append(
            f"Cluster-robust tests ({rb['vcov_type']}): {rb['n_clusters']} clusters, "
            f"t with {rb['cluster_df']} df"
        )
    return lines


def _prediction_lines(result: dict[str, Any]) -> list[str]:
    """One line per prediction (metafor ``predict()``) and per contrast (``anova(X =)``)."""
    lines = []
    for row in result.get("predictions") or []:
        lines.append(
            "predicted at "
            + ", ".join(f"{k} = {v}" for k, v in row.items() if k not in _PREDICTION_KEYS)
            + f": {_f(row['pred'])} [{_f(row['ci_lb'])}, {_f(row['ci_ub'])}]"
            + f" (PI {_f(row['pi_lb'])}, {_f(row['pi_ub'])})"
        )
    for label, c in (result.get("contrasts") or {}).items():
        lines.append(
            f"contrast {label}: {_f(c['estimate'])} (se {_f(c['se'])}, p-val {_p(c['pval'])}) "
            f"[{_f(c['ci_lb'])}, {_f(c['ci_ub'])}]"
        )
    return lines
