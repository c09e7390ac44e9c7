"""A meta-regression as the report prints it: the model, its coefficients and its predictions.

A model with moderators (``trialsynth meta --mods``; metafor ``rma``/``rma.mv`` with ``mods``,
optionally ``robust()``) has no single pooled estimate, so the τ², I² and Q rows of a pooled
analysis are replaced by what metafor's ``print()`` and ``predict()`` show (Viechtbauer 2010,
J Stat Softw 36(3), sections 3.3 and 3.5): the test of the moderators (QM, an F test with
Knapp–Hartung or a cluster-robust test), the residual heterogeneity (QE), the variance
components, each coefficient with its SE, CI and p, and the stated predictions with their
confidence and prediction intervals, on the scale the protocol asked for.
"""

from __future__ import annotations

from typing import Any

from trialsynth.figures.forest import is_meta_regression
from trialsynth.formatting import DASH, finite, format_number, format_p
from trialsynth.meta.result import MetaResult


def _interval(lower: Any, upper: Any, digits: int = 2) -> str:
    lo, hi = finite(lower), finite(upper)
    if lo is None or hi is None:
        return DASH
    return f"{format_number(lo, digits)} to {format_number(hi, digits)}"


def _percent_interval(lower: Any, upper: Any) -> str:
    lo, hi = finite(lower), finite(upper)
    return DASH if lo is None or hi is None else f"{100 * lo:.0f}% to {100 * hi:.0f}%"


def regression_summary(result: MetaResult) -> dict[str, Any]:
    """The rows the report prints for a meta-regression (empty for a pooled analysis)."""
    if not is_meta_regression(result):
        return {}
    settings = result.settings or {}
    robust = result.robust or {}
    model: list[tuple[str, str]] = [
        ("Model", str(settings.get("metafor_call") or settings.get("model") or DASH)),
        ("Moderators", ", ".join(str(m) for m in settings.get("mods") or []) or DASH),
    ]
    clusters = robust.get("n_clusters") or result.n_clusters
    rows = f"{result.k} rows" + (f" from {clusters} clusters ({settings.get('cluster')})"
                                 if clusters else "")  # fmt: skip
    model.append(("Data", rows))
    if finite(result.QM) is not None:
        df = result.QM_df or []
        kind = "F" if len(df) == 2 else "χ²"
        dfs = ", ".join(str(d) for d in df)
        how = "cluster-robust (CR1) " if robust else ""
        model.append(
            (
                "Test of moderators",
                f"{how}{kind}({dfs}) = {format_number(result.QM, 2)}, p = {format_p(result.QM_p)}",
            )
        )
    if finite(result.QE) is not None:
        model.append(
            (
                "Residual heterogeneity",
                f"QE = {format_number(result.QE, 2)}, df = {result.QE_df}, "
                f"p = {format_p(result.QE_p)}",
            )
        )
    if result.sigma2:
        parts = ", ".join(format_number(s, 3) for s in result.sigma2)
        model.append(("σ² (between clusters, within)", parts))
    elif finite(result.tau2) is not None:
        model.append(("τ² (residual)", format_number(result.tau2, 3)))
    coefficients = [
        {
            "name": name,
            "estimate": format_number(c.get("estimate"), 2),
            "se": format_number(c.get("se"), 2),
            "ci": _interval(c.get("ci_lb"), c.get("ci_ub")),
            "p": format_p(c.get("pval")),
        }
        for name, c in (result.coefficients or {}).items()
    ]
    predict = settings.get("predict") or {}
    percent = predict.get("transform") == "expit"
    moderators = [
        str(v["column"])
        for v in (settings.get("design") or {}).get("variables") or []
        if "column" in v
    ]
    predictions = []
    for p in result.predictions or []:
        at = ", ".join(f"{m} = {p[m]:g}" if isinstance(p.get(m), float) else f"{m} = {p.get(m)}"
                       for m in moderators if m in p)  # fmt: skip
        if percent:
            value = DASH if finite(p.get("pred")) is None else f"{100 * p['pred']:.0f}%"
            ci, pi = (_percent_interval(p.get(f"{k}_lb"), p.get(f"{k}_ub")) for k in ("ci", "pi"))
        else:
            value = format_number(p.get("pred"), 2)
            ci, pi = (_interval(p.get(f"{k}_lb"), p.get(f"{k}_ub")) for k in ("ci", "pi"))
        predictions.append({"at": at, "pred": value, "ci": ci, "pi": pi})
    return {
        "model": model,
        "coefficients": coefficients,
        "scale": "logit (coefficients); predictions as proportions" if percent else "",
        "predictions": predictions,
    }
