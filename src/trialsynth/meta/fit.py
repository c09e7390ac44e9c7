"""``fit_meta``: one complete meta-analysis of a table in metafor column names."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from trialsynth.errors import ConvergenceError, InputError
from trialsynth.meta.batch import BatchFit, fit_batch
from trialsynth.meta.bias import EGGER_MIN_K, egger_lm
from trialsynth.meta.effect_sizes import EffectSizes, ZeroCellSettings
from trialsynth.meta.mantel_haenszel import mantel_haenszel
from trialsynth.meta.measures import PRECOMPUTED, get_measure
from trialsynth.meta.result import MetaResult
from trialsynth.meta.sensitivity import cumulative, leave_one_out
from trialsynth.meta.subgroups import fit_subgroups
from trialsynth.meta.validate import (
    check_model_settings,
    checked_effect_sizes,
    checked_table_and_effect_sizes,
    filled_column,
    table_measure_label,
)

if TYPE_CHECKING:
    from trialsynth.meta.regression import RegressionResult

log = logging.getLogger(__name__)

#: Leave-one-out runs by default up to this many studies (k refits: time grows with k^2).
LEAVE1OUT_AUTO_MAX_K = 2000
LEAVE1OUT_CHOICES = ("auto", "yes", "no")

#: Methods offered on the command line (HE is available in the Python API).
CLI_METHODS = ("DL", "REML", "ML", "PM", "FE")


@dataclass(frozen=True)
class PoolingModel:
    """The model choices every step of :func:`fit_meta` passes on: tau^2 estimator, test/CI
    method, prediction interval type and confidence level (percent)."""

    method: str
    test: str
    pi: str
    level: float

    def fit(self, yi: np.ndarray, vi: np.ndarray) -> BatchFit:
        """The single fit of ``yi, vi`` (one row of :func:`~trialsynth.meta.batch.fit_batch`)."""
        mask = np.ones((1, len(yi)), bool)
        return fit_batch(yi[None, :], vi[None, :], mask, *self._choices())

    def leave_one_out(self, yi: np.ndarray, vi: np.ndarray) -> BatchFit:
        """k refits, each without one study (:func:`~trialsynth.meta.sensitivity.leave_one_out`)."""
        return leave_one_out(yi, vi, *self._choices())

    def cumulative(self, yi: np.ndarray, vi: np.ndarray, order: np.ndarray) -> BatchFit:
        """Cumulative fits in ``order`` (:func:`~trialsynth.meta.sensitivity.cumulative`)."""
        return cumulative(yi, vi, self.method, self.test, order=order, pi=self.pi, level=self.level)

    def subgroups(self, yi: np.ndarray, vi: np.ndarray, groups: list[str]) -> dict[str, Any]:
        """One fit per subgroup and the test between them, as the result's subgroup keys."""
        return fit_subgroups(yi, vi, groups, *self._choices()).as_dict()

    def _choices(self) -> tuple[str, str, str, float]:
        return self.method, self.test, self.pi, self.level


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

    Each step is a small function of this module, in the order they run: check the settings
    and the subgroup column, compute and check the effect sizes, warn about small k, fit the
    model (and refuse or report a fit that did not converge), assemble the
    :class:`~trialsynth.meta.result.MetaResult`, then add the optional blocks (leave-one-out,
    Egger, Mantel-Haenszel, cumulative, subgroups).

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
    model = PoolingModel(method, test, pi, level)
    check_model_settings(method, test, level, zc, pi)
    check_leave1out_choice(leave1out)
    check_subgroup_column(data, by, path)
    clean, es = checked_table_and_effect_sizes(data, measure, zc, path)
    if get_measure(measure).kind == PRECOMPUTED and label is None:
        label = table_measure_label(data, path)
    warnings = es.correction_warnings(zc.add) + small_k_warnings(len(es.yi), pi, path)
    fit = model.fit(es.yi, es.vi)
    warnings += convergence_warnings(fit, method, path)
    settings = {
        "measure": measure,
        **asdict(model),
        "zero_cells": zc.as_dict(),
        "by": by,
        "cumulative_by": cumulative_by,
        **({"label": label} if label else {}),
    }
    result = single_fit_result(fit, es, settings, warnings)
    add_leave_one_out(result, es, model, leave1out)
    add_egger(result, es)
    add_mantel_haenszel(result, clean, es, measure, level)
    if cumulative_by is not None:
        result.cumulative = cumulative_block(data, es, cumulative_by, model, path)
    if by is not None:
        result.subgroups = model.subgroups(es.yi, es.vi, subgroup_labels(data, es, by))
    for text in result.warnings:
        log.warning("%s", text)
    return result


def check_leave1out_choice(leave1out: str) -> None:
    """Refuse a ``leave1out`` other than :data:`LEAVE1OUT_CHOICES`."""
    if leave1out not in LEAVE1OUT_CHOICES:
        raise InputError(
            f"unknown leave1out {leave1out!r}", hint=f"use one of {', '.join(LEAVE1OUT_CHOICES)}"
        )


def check_subgroup_column(data: pd.DataFrame, by: str | None, path: object | None) -> None:
    """Refuse a subgroup column ``by`` that is missing or has an empty or blank cell."""
    if by is not None:
        filled_column(
            data,
            by,
            "subgroup",
            path,
            missing_hint="check --by",
            empty_hint="give every study a subgroup value (or a label such as 'unclear')",
        )


def subgroup_labels(data: pd.DataFrame, es: EffectSizes, by: str) -> list[str]:
    """The subgroup of each kept study, as text."""
    return data[by].iloc[es.kept_rows].astype(str).tolist()


def small_k_warnings(k: int, pi: str, path: object | None) -> list[str]:
    """Refuse k = 0; say what k = 1 and k = 2 (with the HTS interval) cannot estimate."""
    if k == 0:
        raise InputError(
            "no studies left after dropping double-zero studies",
            path=path,
            hint="use --drop00 only when some studies have events",
        )
    if k == 1:
        return [
            "k = 1: the result is the single study; tau^2, I^2 and Q are not estimable and the "
            "prediction interval equals the CI (as metafor predict())"
        ]
    if k == 2 and pi == "hts":
        return [
            "k = 2: the HTS prediction interval needs t with k - 2 = 0 df; it uses t with 1 df, "
            "as metafor predict(pi.type = 'riley') does (tau^2 from two studies is very imprecise)"
        ]
    return []


def convergence_warnings(fit: BatchFit, method: str, path: object | None) -> list[str]:
    """Refuse a tau^2 that did not converge; report a refit with step adjustment and a Q-profile
    CI that did not converge (its bounds are set to NaN in ``fit``).

    Raises
    ------
    ConvergenceError
        Names the estimator, the file and why (metafor's own stopping rules).
    """
    if not fit.tau2_converged[0]:
        where = f" in {path}" if path else ""
        if method == "PM":
            reason = "generalised Q still exceeds k - 1 at the search limit max(100, 10 mad(y)^2)"
        else:
            reason = "Fisher scoring did not converge with any step adjustment (threshold 1e-5)"
        raise ConvergenceError(f"{method} estimation of tau^2 failed{where}: {reason}; try DL")
    warnings = []
    if fit.tau2_fallback is not None and fit.tau2_fallback[0] != (1.0, 100):
        step, limit = fit.tau2_fallback[0]
        warnings.append(
            f"{method} Fisher scoring did not converge with metafor's defaults (full steps, 100 "
            f"iterations); refitted with step adjustment {step} and at most {limit} iterations "
            f"(metafor control = list(stepadj = {step}, maxiter = {limit}))"
        )
    several = fit.k[0] > 1 and method != "FE"
    if several and not fit.ci_converged[0]:
        warnings.append("Q-profile search for the tau^2 CI did not converge; CI set to null")
        fit.tau2_ci_lb[0] = fit.tau2_ci_ub[0] = np.nan
    if several and fit.tau2[0] == 0:
        log.info("tau^2 estimated as 0 (no heterogeneity beyond sampling error)")
    return warnings


#: Heterogeneity keys of a result that are not estimable from one study (NaN when k = 1).
NOT_ESTIMABLE_AT_K1 = ("tau2", "I2", "H2", "Q", "Q_p")
#: Heterogeneity keys copied from the fit as they are (their CIs are already NaN when k = 1).
HETEROGENEITY_CI_KEYS = (
    "tau2_ci_lb",
    "tau2_ci_ub",
    "I2_ci_lb",
    "I2_ci_ub",
    "H2_ci_lb",
    "H2_ci_ub",
)


def single_fit_result(
    fit: BatchFit, es: EffectSizes, settings: dict[str, Any], warnings: list[str]
) -> MetaResult:
    """The :class:`MetaResult` of row 0 of ``fit``: pooled estimate, intervals, heterogeneity,
    the study effects and the corrections applied."""
    k = len(es.yi)
    scalars: dict[str, Any] = {f.name: getattr(fit.pooled, f.name)[0] for f in fields(fit.pooled)}
    for key in NOT_ESTIMABLE_AT_K1:
        scalars[key] = getattr(fit, key)[0] if k > 1 else np.nan
    for key in HETEROGENEITY_CI_KEYS:
        scalars[key] = getattr(fit, key)[0]
    return MetaResult(
        settings=settings,
        k=k,
        **scalars,
        Q_df=k - 1,
        yi=list(es.yi),
        vi=list(es.vi),
        study=es.study,
        leave1out_estimate=[],
        corrections=es.corrections(),
        warnings=warnings,
    )


def add_leave_one_out(
    result: MetaResult, es: EffectSizes, model: PoolingModel, leave1out: str
) -> None:
    """Refit without each study (``leave1out`` ``yes``, or ``auto`` up to
    :data:`LEAVE1OUT_AUTO_MAX_K` studies), or say in the warnings why it was skipped."""
    k = result.k
    if k < 2:
        return
    if leave1out == "no" or (leave1out == "auto" and k > LEAVE1OUT_AUTO_MAX_K):
        why = (
            "not asked for (--leave1out no)"
            if leave1out == "no"
            else (
                f"k = {k} > {LEAVE1OUT_AUTO_MAX_K}; ask for it with --leave1out yes (k refits, "
                "time grows with k^2, memory with k)"
            )
        )
        result.warnings.append(f"leave-one-out skipped: {why}")
        return
    loo = model.leave_one_out(es.yi, es.vi)
    result.leave1out_estimate = list(loo.pooled.estimate)
    result.leave1out = series_block(loo)


def series_block(fit: BatchFit) -> dict[str, list[float]]:
    """Estimate, se, CI, tau^2 and I^2 of every row of ``fit`` (leave-one-out, cumulative)."""
    return {
        "estimate": list(fit.pooled.estimate),
        "se": list(fit.pooled.se),
        "ci_lb": list(fit.pooled.ci_lb),
        "ci_ub": list(fit.pooled.ci_ub),
        "tau2": list(fit.tau2),
        "I2": list(fit.I2),
    }


def add_egger(result: MetaResult, es: EffectSizes) -> None:
    """Egger's regression test from :data:`~trialsynth.meta.bias.EGGER_MIN_K` studies on."""
    if result.k < EGGER_MIN_K:
        return
    egger = egger_lm(es.yi, es.vi)
    if np.isnan(egger.stat):
        result.warnings.append("Egger's test not computable: all studies have the same se")
    result.egger_lm = egger.as_dict()


def add_mantel_haenszel(
    result: MetaResult, clean: pd.DataFrame, es: EffectSizes, measure: str, level: float
) -> None:
    """The Mantel-Haenszel estimate from the kept studies' counts, for measures that have one."""
    if not get_measure(measure).mantel_haenszel:
        return
    raw = clean.iloc[es.kept_rows]
    mh = mantel_haenszel(raw["ai"], raw["bi"], raw["ci"], raw["di"], measure, level)
    result.mantel_haenszel = mh.as_dict()


def cumulative_block(
    data: pd.DataFrame,
    es: EffectSizes,
    column: str,
    model: PoolingModel,
    path: object | None,
) -> dict[str, Any]:
    """Cumulative meta-analysis ordered by ``column`` (numbers sort numerically, else as text)."""
    if column not in data.columns:
        raise InputError(f"cumulative order column {column!r} not found", path=path)
    raw = data[column].iloc[es.kept_rows].reset_index(drop=True)
    numeric = pd.to_numeric(raw, errors="coerce")
    key = numeric if numeric.notna().all() else raw.astype(str)
    order = np.argsort(key.to_numpy(), kind="stable")
    fit = model.cumulative(es.yi, es.vi, order)
    return {"order_by": column, "study": [es.study[i] for i in order], **series_block(fit)}


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
    # imported here: a meta-analysis without moderators does not load the regression modules
    from trialsynth.meta.regression import design_matrix, fit_meta_regression

    zc = zero_cells or ZeroCellSettings()
    check_model_settings(method, test, level, zc)
    es = checked_effect_sizes(data, measure, zc, path)
    x, names = design_matrix(es.kept(data), moderators)
    return fit_meta_regression(es.yi, es.vi, x, names, method, test, level)


def fit_meta_dict(data: pd.DataFrame, measure: str, **settings: Any) -> dict[str, Any]:
    """``fit_meta(...).to_dict()``: the JSON object of ``trialsynth meta``."""
    return fit_meta(data, measure, **settings).to_dict()
