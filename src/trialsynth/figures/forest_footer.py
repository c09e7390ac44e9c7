"""The text lines of a forest plot's footer and of its subgroup diamonds.

Heterogeneity (tau^2 and I^2 with their Q-profile CIs, Q with its df and p), the test for the
overall effect (z, or t with k - 1 df under Knapp-Hartung; metafor ``rma``, Viechtbauer 2010,
J Stat Softw 36(3)), the test for subgroup differences, the model settings, and the lines a
single study (k = 1) or a meta-regression shows instead.
"""

from __future__ import annotations

from trialsynth.figures.forest_rows import finite
from trialsynth.formatting import format_p
from trialsynth.meta.result import MetaResult

#: Tests whose statistic is t with k - 1 df (Knapp-Hartung and its ad hoc variant).
T_TESTS = frozenset({"knha", "adhoc", "t"})


def heterogeneity(tau2: float | None, i2: float | None, extra: str = "") -> str:
    """``"Heterogeneity: τ² = 0.12; I² = 34%"`` of a subgroup's diamond, or ``""``."""
    parts = []
    if tau2 is not None:
        parts.append(f"τ² = {tau2:.2f}" if tau2 >= 0.005 or tau2 == 0 else f"τ² = {tau2:.3f}")
    if i2 is not None:
        parts.append(f"I² = {i2:.0f}%")
    return "Heterogeneity: " + "; ".join(parts) + extra if parts else ""


def _overall_test(result: MetaResult) -> str:
    stat, p = finite(result.stat), finite(result.pval)
    if stat is None or result.effect_measure().null is None:
        return ""  # a single-arm proportion has no "no effect" value to test against
    test = str(result.settings.get("test", "z"))
    if test in T_TESTS:
        return f"Test for overall effect: t = {stat:.2f}, df = {result.k - 1} (p = {format_p(p)})"
    return f"Test for overall effect: z = {stat:.2f} (p = {format_p(p)})"


def _interval(lower: float | None, upper: float | None, digits: int, unit: str = "") -> str:
    if lower is None or upper is None:
        return ""
    return f" [{lower:.{digits}f}{unit}, {upper:.{digits}f}{unit}]"


def is_meta_regression(result: MetaResult) -> bool:
    """True for a model with moderators: no single pooled estimate, coefficients instead."""
    return bool(result.coefficients) and finite(result.estimate) is None


def _regression_footer(result: MetaResult) -> list[str]:
    settings = result.settings
    mods = ", ".join(str(m) for m in settings.get("mods") or [])
    robust = result.robust or {}
    clusters = robust.get("n_clusters") or getattr(result, "n_clusters", None)
    rows = f"k = {result.k} rows" + (f" from {clusters} clusters" if clusters else "")
    qm, qm_p = finite(result.QM), finite(result.QM_p)
    test = f"; test of moderators p = {format_p(qm_p)}" if qm is not None else ""
    return [
        f"Meta-regression on {mods} ({rows}{test}): no single pooled estimate, so no diamond "
        "and no weights; its coefficients and predictions are in the report."
    ]


def footer_lines(result: MetaResult, subgroups: bool) -> list[str]:
    """The footer of the figure of ``result``, one line each (empty lines left out)."""
    if result.k <= 1:
        return [
            f"k = {result.k}: a single study; nothing is pooled "
            "(no heterogeneity, no prediction interval)."
        ]
    if is_meta_regression(result):
        return _regression_footer(result)
    tau2, i2 = finite(result.tau2), finite(result.I2)
    parts = []
    if tau2 is not None:
        parts.append(
            f"τ² = {tau2:.3f}" + _interval(finite(result.tau2_ci_lb), finite(result.tau2_ci_ub), 3)
        )
    if i2 is not None:
        parts.append(
            f"I² = {i2:.0f}%" + _interval(finite(result.I2_ci_lb), finite(result.I2_ci_ub), 0, "%")
        )
    q, q_p = finite(result.Q), finite(result.Q_p)
    if q is not None:
        parts.append(f"Q = {q:.2f}, df = {result.Q_df} (p = {format_p(q_p)})")
    text = "Heterogeneity: " + "; ".join(parts) if parts else ""
    lines = [text, _overall_test(result)]
    if subgroups and result.subgroups:
        q_b = finite(result.subgroups.get("Q_between"))
        df_b = result.subgroups.get("Q_between_df")
        if q_b is not None and df_b:
            p_b = finite(result.subgroups.get("Q_between_p"))
            lines.append(
                f"Test for subgroup differences: Q = {q_b:.2f}, df = {df_b} (p = {format_p(p_b)})"
            )
        else:
            lines.append("Test for subgroup differences: not applicable (one subgroup)")
    settings = result.settings
    lines.append(
        f"Random effects, {settings.get('method', '')} τ², CI test {settings.get('test', '')}, "
        f"{settings.get('pi', '')} prediction interval; CI {result.level:g}%"
    )
    return [line for line in lines if line]
