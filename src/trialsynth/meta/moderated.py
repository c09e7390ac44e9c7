"""``trialsynth meta --mods/--cluster/--robust``: a table to a model with moderators.

Effect sizes are computed as for :func:`~trialsynth.meta.fit.fit_meta`; the moderators are coded
by :mod:`.moderators`; the model is metafor's ``rma.uni`` (:mod:`.regression`) or, with a cluster
column, the three-level ``rma.mv`` (:mod:`.multilevel`), optionally with cluster-robust tests
(:mod:`.robust`). The result is a :class:`~trialsynth.meta.result.MetaResult` whose pooled
scalars are null and whose ``coefficients``, ``vcov``, ``QM``, ``QE`` and ``tau2``/``I2``/``R2``
or ``sigma2`` are set; ``settings`` records the model, the moderators with their coding and the
equivalent metafor call, so the fit can be repeated in R.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from trialsynth.errors import InputError
from trialsynth.meta.effect_sizes import EffectSizes, ZeroCellSettings
from trialsynth.meta.model_fit import ModelFit
from trialsynth.meta.moderators import Design, build_design
from trialsynth.meta.multilevel import fit_three_level
from trialsynth.meta.regression import fit_meta_regression
from trialsynth.meta.result import MetaResult
from trialsynth.meta.robust import cluster_robust
from trialsynth.meta.validate import check_model_settings, checked_effect_sizes, filled_column

log = logging.getLogger(__name__)

#: ``--test`` of the command line -> metafor ``rma.mv`` test of the three-level model.
MULTILEVEL_TEST = {"z": "z", "knha": "t"}


def _metafor_call(
    mods: list[str], method: str, test: str, cluster: str | None, robust: bool
) -> str:
    formula = "~ " + (" + ".join(mods) if mods else "1")
    if cluster is None:
        return f'rma(yi, vi, mods = {formula}, method = "{method}", test = "{test}")'
    call = (
        f"rma.mv(yi, vi, mods = {formula}, random = ~ 1 | {cluster}/row, "
        f'method = "{method}", test = "{MULTILEVEL_TEST[test]}")'
    )
    return f"robust({call}, cluster = {cluster})" if robust else call


def _check_cluster_settings(test: str, cluster: str | None, robust: bool) -> None:
    if robust and cluster is None:
        raise InputError(
            "--robust needs the cluster column",
            hint="give --cluster COLUMN (metafor robust(model, cluster = COLUMN))",
        )
    if cluster is not None and test not in MULTILEVEL_TEST:
        raise InputError(
            f"--test {test} has no three-level form (metafor rma.mv offers z and t)",
            hint="use --test knha (metafor test = 't', df = k - p) or --test z with --cluster",
        )


def fit_moderated(
    data: pd.DataFrame,
    measure: str,
    mods: list[str],
    method: str = "REML",
    test: str = "adhoc",
    level: float = 95.0,
    cluster: str | None = None,
    robust: bool = False,
    zero_cells: ZeroCellSettings | None = None,
    path: object | None = None,
) -> MetaResult:
    """Fit the model with moderators ``mods`` (and a cluster level) to one table.

    Parameters
    ----------
    data
        One row per effect size in metafor column names, with the moderator columns (and the
        cluster column); an optional ``study`` label column.
    mods
        Moderator terms (:mod:`.moderators`); may be empty with ``cluster``.
    method, test, level
        As :func:`~trialsynth.meta.fit.fit_meta`. With ``cluster``: ``REML`` or ``ML``, and
        ``z`` or ``knha`` (metafor ``test = "t"``).
    cluster
        Column whose rows share a random effect (three-level model ``~ 1 | cluster/row``).
    robust
        Cluster-robust tests by ``cluster`` (metafor ``robust(model, cluster)``, CR1).

    Raises
    ------
    InputError
        Bad table, moderators or settings (names the row, column and fix).
    ConvergenceError
        The variance components could not be estimated.
    """
    zc = zero_cells or ZeroCellSettings()
    check_model_settings(method, test, level, zc)
    _check_cluster_settings(test, cluster, robust)
    if not mods and cluster is None:
        raise InputError("no moderators given", hint="give --mods COLUMN ... or --cluster COLUMN")
    es = checked_effect_sizes(data, measure, zc, path)
    kept = es.kept(data)
    design, x = build_design(kept, mods, path)
    fit: ModelFit
    if cluster is None:
        fit = fit_meta_regression(es.yi, es.vi, x, design.names, method, test, level)
    else:
        labels = _cluster_labels(kept, cluster, path)
        fit = fit_three_level(
            es.yi, es.vi, x, labels, design.names, method, MULTILEVEL_TEST[test], level
        )
        if robust:
            fit = cluster_robust(fit, es.yi, es.vi, x, labels)
    warnings = es.correction_warnings(zc.add) + fit.warnings
    for text in warnings:
        log.warning("%s", text)
    settings = {
        "measure": measure,
        "method": method,
        "test": test,
        "pi": "normal",
        "level": level,
        "zero_cells": zc.as_dict(),
        **_model_settings(list(mods), design, method, test, cluster, robust),
        **_fisher_scoring(fit),
    }
    return _moderated_result(fit, es, settings, warnings)


def _model_settings(
    mods: list[str], design: Design, method: str, test: str, cluster: str | None, robust: bool
) -> dict[str, Any]:
    """The model's settings: metafor function, moderators and their coding, cluster, robust,
    and the equivalent R call."""
    return {
        "model": "rma.uni" if cluster is None else "rma.mv",
        "mods": mods,
        "cluster": cluster,
        "robust": robust,
        "design": design.as_dict(),
        "metafor_call": _metafor_call(mods, method, test, cluster, robust),
    }


def _fisher_scoring(fit: ModelFit) -> dict[str, Any]:
    """The step adjustment of a REML/ML refit, as the ``fisher_scoring`` setting (or nothing)."""
    if "stepadj" not in fit.settings:
        return {}
    return {
        "fisher_scoring": {"stepadj": fit.settings["stepadj"], "maxiter": fit.settings["maxiter"]}
    }


def _moderated_result(
    fit: ModelFit, es: EffectSizes, settings: dict[str, Any], warnings: list[str]
) -> MetaResult:
    """The :class:`MetaResult` of a model with moderators: null pooled scalars, the model block."""
    block = fit.model_block()
    return MetaResult(
        settings=settings,
        k=fit.k,
        yi=list(es.yi),
        vi=list(es.vi),
        study=es.study,
        corrections=es.corrections(),
        warnings=warnings,
        tau2=np.nan if fit.tau2 is None else fit.tau2,
        I2=np.nan if fit.I2 is None else fit.I2,
        coefficients=block["coefficients"],
        vcov=block["vcov"],
        df=fit.df,
        QM=fit.QM,
        QM_df=fit.QM_df,
        QM_p=fit.QM_p,
        QE=fit.QE,
        QE_df=fit.QE_df,
        QE_p=fit.QE_p,
        R2=fit.R2,
        sigma2=fit.sigma2,
        n_clusters=fit.n_clusters,
        robust=fit.robust,
    )


def _cluster_labels(data: pd.DataFrame, cluster: str, path: object | None) -> np.ndarray:
    values = filled_column(
        data,
        cluster,
        "cluster",
        path,
        missing_hint="check --cluster",
        empty_hint="give every row its cluster (e.g. the study it comes from)",
    )
    return values.astype(str).str.strip().to_numpy()
