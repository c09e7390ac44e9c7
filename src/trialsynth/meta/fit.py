"""``fit_meta``: one complete meta-analysis of a table in metafor column names."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from trialsynth.errors import ConvergenceError, InputError
from trialsynth.meta.batch import fit_batch
from trialsynth.meta.bias import EGGER_MIN_K, egger_lm
from trialsynth.meta.effect_sizes import (
    ZERO_CELL_RULES,
    EffectSizes,
    ZeroCellSettings,
    compute_effect_sizes,
)
from trialsynth.meta.inference import PI_TYPES, TESTS
from trialsynth.meta.mantel_haenszel import mantel_haenszel
from trialsynth.meta.measures import PRECOMPUTED, get_measure
from trialsynth.meta.regression import RegressionResult, design_matrix, fit_meta_regression
from trialsynth.meta.result import MetaResult
from trialsynth.meta.sensitivity import cumulative, leave_one_out
from trialsynth.meta.subgroups import fit_subgroups
from trialsynth.meta.tau2 import METHODS
from trialsynth.meta.validate import (
    check_effect_sizes,
    checked_effect_sizes,
    study_labels,
    table_measure_label,
    validate_input,
)

log = logging.getLogger(__name__)

#: Leave-one-out runs by default up to this many studies (k refits: time grows with k^2).
LEAVE1OUT_AUTO_MAX_K = 2000
LEAVE1OUT_CHOICES = ("auto", "yes", "no")

#: Methods offered on the command line (HE is available in the Python API).
CLI_METHODS = ("DL", "REML", "ML", "PM", "FE")


def _check_settings(method: str, test: str, pi: str, level: float, zc: ZeroCellSettings) -> None:
    for name, value, allowed in (
        ("method", method, METHODS),
        ("test", test, TESTS),
        ("pi", pi, PI_TYPES),
        ("to", zc.to, ZERO_CELL_RULES),
    ):
        if value not in allowed:
            raise InputError(f"unknown {name} {value!r}", hint=f"use one of {', '.join(allowed)}")
    if not 0 < level < 100:
        raise InputError(f"level {level} is not in (0, 100)", hint="give a percentage such as 95")
    if zc.add < 0:
        raise InputError(f"add {zc.add} is negative", hint="use a value >= 0, such as 0.5")


def fit_meta(
    data: pd.DataFrame,
    measure: str,
    method: str = "REML",
    test: str = "adhoc",
    pi: str = "hts",
    level: float = 95.0,
    by: str | None = None,
    zero_cells: ZeroCellSettings | None = None,
    path: object | None = None,
    cumulative_by: str | None = None,
    label: str | None = None,
    leave1out: str = "auto",
) -> MetaResult:
    """Effect sizes, random-effects model, heterogeneity, sensitivity and subgroups for one table.

    Parameters
    ----------
    data
        One row per study in metafor column names (see :mod:`trialsynth.meta.effect_sizes`), with an
        optional ``study`` label column and, for ``by``, the subgroup column.
    measure
        A name of the measure registry (:mod:`trialsynth.meta.measures`).
    method, test, pi, level
        tau^2 estimator, test/CI method, prediction interval type and confidence level (percent).
        Defaults follow Cochrane guidance: REML, Knapp-Hartung with ad hoc guard, HTS interval.
    by
        Column defining subgroups (one model per level plus the Q test between them).
    zero_cells
        Zero-cell correction (default: add 1/2 to studies with a zero cell, keep double zeros).
    path
        File name used in error messages.
    cumulative_by
        Column to order a cumulative meta-analysis by (ascending, ties in row order, as metafor
        ``cumul(order=)``); the result then carries a ``cumulative`` block.
    label
        ``GEN`` only: what the precomputed ``yi`` are (e.g. ``"log HR"``), kept in the settings
        so figures and report back-transform them (:func:`trialsynth.meta.measures.measure_for`).
        Default: the table's ``measure_label`` column (one value for every row) when present.
    leave1out
        ``auto`` (refit without each study when k <= :data:`LEAVE1OUT_AUTO_MAX_K`, else skip
        with a warning), ``yes`` or ``no``.

    Raises
    ------
    InputError
        Bad table or settings (names the row and column).
    ConvergenceError
        REML/ML Fisher scoring or the PM / Q-profile search did not converge.
    """
    zc = zero_cells or ZeroCellSettings()
    _check_settings(method, test, pi, level, zc)
    if leave1out not in LEAVE1OUT_CHOICES:
        raise InputError(
            f"unknown leave1out {leave1out!r}", hint=f"use one of {', '.join(LEAVE1OUT_CHOICES)}"
        )
    if by is not None:
        if by not in data.columns:
            raise InputError(f"subgroup column {by!r} not found", path=path, hint="check --by")
        for pos in range(len(data)):
            if pd.isna(data[by].iloc[pos]):
                raise InputError(
                    f"subgroup column {by} is empty",
                    path=path,
                    record=f"row {pos + 1}",
                    hint="give every study a subgroup value (or a label such as 'unclear')",
                )
    clean = validate_input(data, measure, path)
    spec = get_measure(measure)
    if spec.kind == PRECOMPUTED and label is None:
        label = table_measure_label(data, path)
    labels = study_labels(data)
    es = compute_effect_sizes(clean, measure, labels, zc)
    warnings = es.correction_warnings(zc.add)
    yi, vi = es.yi, es.vi
    check_effect_sizes(yi, vi, es.records(), path)
    k = len(yi)
    if k == 0:
        raise InputError(
            "no studies left after dropping double-zero studies",
            path=path,
            hint="use --drop00 only when some studies have events",
        )
    if k == 1:
        warnings.append(
            "k = 1: the result is the single study; tau^2, I^2 and Q are not estimable and the "
            "prediction interval equals the CI (as metafor predict())"
        )
    elif k == 2 and pi == "hts":
        warnings.append(
            "k = 2: the HTS prediction interval needs t with k - 2 = 0 df; it uses t with 1 df, "
            "as metafor predict(pi.type = 'riley') does (tau^2 from two studies is very imprecise)"
        )
    fit = fit_batch(yi[None, :], vi[None, :], np.ones((1, k), bool), method, test, pi, level)
    if not fit.tau2_converged[0]:
        where = f" in {path}" if path else ""
        if method == "PM":
            reason = "generalised Q still exceeds k - 1 at the search limit max(100, 10 mad(y)^2)"
        else:
            reason = "Fisher scoring did not converge with any step adjustment (threshold 1e-5)"
        raise ConvergenceError(f"{method} estimation of tau^2 failed{where}: {reason}; try DL")
    if fit.tau2_fallback is not None and fit.tau2_fallback[0] != (1.0, 100):
        step, limit = fit.tau2_fallback[0]
        warnings.append(
            f"{method} Fisher scoring did not converge with metafor's defaults (full steps, 100 "
            f"iterations); refitted with step adjustment {step} and at most {limit} iterations "
            f"(metafor control = list(stepadj = {step}, maxiter = {limit}))"
        )
    if k > 1 and method != "FE" and not fit.ci_converged[0]:
        warnings.append("Q-profile search for the tau^2 CI did not converge; CI set to null")
        fit.tau2_ci_lb[0] = fit.tau2_ci_ub[0] = np.nan
    if k > 1 and fit.tau2[0] == 0 and method != "FE":
        log.info("tau^2 estimated as 0 (no heterogeneity beyond sampling error)")
    p = fit.pooled
    result = MetaResult(
        settings={
            "measure": measure,
            "method": method,
            "test": test,
            "pi": pi,
            "level": level,
            "zero_cells": zc.as_dict(),
            "by": by,
            "cumulative_by": cumulative_by,
            **({"label": label} if label else {}),
        },
        k=k,
        estimate=p.estimate[0],
        se=p.se[0],
        stat=p.stat[0],
        ci_lb=p.ci_lb[0],
        ci_ub=p.ci_ub[0],
        pval=p.pval[0],
        pi_lb=p.pi_lb[0],
        pi_ub=p.pi_ub[0],
        pi_hts_lb=p.pi_hts_lb[0],
        pi_hts_ub=p.pi_hts_ub[0],
        pi_normal_lb=p.pi_normal_lb[0],
        pi_normal_ub=p.pi_normal_ub[0],
        tau2=fit.tau2[0] if k > 1 else np.nan,
        tau2_ci_lb=fit.tau2_ci_lb[0],
        tau2_ci_ub=fit.tau2_ci_ub[0],
        I2=fit.I2[0] if k > 1 else np.nan,
        I2_ci_lb=fit.I2_ci_lb[0],
        I2_ci_ub=fit.I2_ci_ub[0],
        H2=fit.H2[0] if k > 1 else np.nan,
        H2_ci_lb=fit.H2_ci_lb[0],
        H2_ci_ub=fit.H2_ci_ub[0],
        Q=fit.Q[0] if k > 1 else np.nan,
        Q_df=k - 1,
        Q_p=fit.Q_p[0] if k > 1 else np.nan,
        yi=list(yi),
        vi=list(vi),
        study=es.study,
        leave1out_estimate=[],
        corrections={
            "zero_cell_added": len(es.corrected),
            "zero_cell_studies": es.corrected,
            "dropped_double_zero": len(es.dropped),
            "dropped_studies": es.dropped,
        },
        warnings=warnings,
    )
    run_loo = k > 1 and (leave1out == "yes" or (leave1out == "auto" and k <= LEAVE1OUT_AUTO_MAX_K))
    if k > 1 and not run_loo:
        why = (
            "not asked for (--leave1out no)"
            if leave1out == "no"
            else (
                f"k = {k} > {LEAVE1OUT_AUTO_MAX_K}; ask for it with --leave1out yes (k refits, "
                "time grows with k^2, memory with k)"
            )
        )
        result.warnings.append(f"leave-one-out skipped: {why}")
    if run_loo:
        loo = leave_one_out(yi, vi, method, test, pi, level)
        result.leave1out_estimate = list(loo.pooled.estimate)
        result.leave1out = {
            "estimate": list(loo.pooled.estimate),
            "se": list(loo.pooled.se),
            "ci_lb": list(loo.pooled.ci_lb),
            "ci_ub": list(loo.pooled.ci_ub),
            "tau2": list(loo.tau2),
            "I2": list(loo.I2),
        }
    if k >= EGGER_MIN_K:
        egger = egger_lm(yi, vi)
        if np.isnan(egger.stat):
            result.warnings.append("Egger's test not computable: all studies have the same se")
        result.egger_lm = egger.as_dict()
    if spec.mantel_haenszel:
        raw = clean.iloc[es.kept_rows]
        mh = mantel_haenszel(raw["ai"], raw["bi"], raw["ci"], raw["di"], measure, level)
        result.mantel_haenszel = mh.as_dict()
    if cumulative_by is not None:
        result.cumulative = _cumulative_block(
            data, es, cumulative_by, method, test, pi, level, path
        )
    if by is not None:
        groups = data[by].iloc[es.kept_rows].astype(str).tolist()
        result.subgroups = fit_subgroups(yi, vi, groups, method, test, pi, level).as_dict()
    for text in warnings:
        log.warning("%s", text)
    return result


def _cumulative_block(
    data: pd.DataFrame,
    es: EffectSizes,
    column: str,
    method: str,
    test: str,
    pi: str,
    level: float,
    path: object | None,
) -> dict[str, Any]:
    """Cumulative meta-analysis ordered by ``column`` (numbers sort numerically, else as text)."""
    if column not in data.columns:
        raise InputError(f"cumulative order column {column!r} not found", path=path)
    raw = data[column].iloc[es.kept_rows].reset_index(drop=True)
    numeric = pd.to_numeric(raw, errors="coerce")
    key = numeric if numeric.notna().all() else raw.astype(str)
    order = np.argsort(key.to_numpy(), kind="stable")
    fit = cumulative(es.yi, es.vi, method, test, order=order, pi=pi, level=level)
    return {
        "order_by": column,
        "study": [es.study[i] for i in order],
        "estimate": list(fit.pooled.estimate),
        "se": list(fit.pooled.se),
        "ci_lb": list(fit.pooled.ci_lb),
        "ci_ub": list(fit.pooled.ci_ub),
        "tau2": list(fit.tau2),
        "I2": list(fit.I2),
    }


def fit_regression(
    data: pd.DataFrame,
    measure: str,
    moderators: list[str],
    method: str = "REML",
    test: str = "adhoc",
    level: float = 95.0,
    zero_cells: ZeroCellSettings | None = None,
    path: object | None = None,
) -> RegressionResult:
    """Meta-regression of one table on ``moderators`` (e.g. follow-up time for durability).

    Effect sizes as in :func:`fit_meta`; numeric moderators enter linearly, text moderators as
    dummies. See :func:`trialsynth.meta.regression.fit_meta_regression`.
    """
    zc = zero_cells or ZeroCellSettings()
    _check_settings(method, test, "hts", level, zc)
    es = checked_effect_sizes(data, measure, zc, path)
    x, names = design_matrix(data.iloc[es.kept_rows].reset_index(drop=True), moderators)
    return fit_meta_regression(es.yi, es.vi, x, names, method, test, level)


def fit_meta_dict(data: pd.DataFrame, measure: str, **settings: Any) -> dict[str, Any]:
    """``fit_meta(...).to_dict()``: the JSON object of ``trialsynth meta``."""
    return fit_meta(data, measure, **settings).to_dict()
