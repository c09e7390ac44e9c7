"""Cluster-robust (sandwich) inference for the three-level model, as metafor ``robust()``.

With ``W = M^{-1}`` the inverse marginal covariance of the fitted model, ``B = (X'WX)^{-1}`` and
``e = y - Xb``, the CR1 estimator is

    V_R = n / (n - p) * B (sum_c X_c' W_c e_c e_c' W_c X_c) B

over the n clusters (``M`` is block diagonal by cluster, so ``X'W`` splits by cluster).
Coefficients keep their values; tests use t(n - p) and QM is ``b' V_R^{-1} b / m`` against
F(m, n - p). This is metafor ``robust(model, cluster, adjust = TRUE)`` (not the clubSandwich
CR2 path).

References
----------
Hedges, L. V., Tipton, E. & Johnson, M. C. (2010). Robust variance estimation in
meta-regression with dependent effect size estimates. *Res Synth Methods* 1, 39-65.
Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
*J Hum Resour* 50, 317-372 (CR1 small-sample factor).
wviechtb/metafor ``R/robust.rma.mv.r``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from trialsynth.errors import InputError
from trialsynth.meta.model_fit import ModelFit
from trialsynth.meta.multilevel import ClusterStructure, marginal_parts
from trialsynth.meta.wald import wald_tests


def cluster_robust(
    fit: ModelFit,
    yi: np.ndarray,
    vi: np.ndarray,
    x: np.ndarray,
    clusters: list[str] | np.ndarray,
) -> ModelFit:
    """``fit`` (a three-level model) with CR1 cluster-robust tests (module docstring).

    ``yi``, ``vi``, ``x`` and ``clusters`` must be those the model was fitted on.

    Raises
    ------
    InputError
        Not more clusters than coefficients (no df left for the t tests).
    """
    if fit.sigma2 is None:
        raise InputError(
            "cluster-robust inference is implemented for the three-level model",
            hint="give --cluster COLUMN together with --robust",
        )
    cl = ClusterStructure.from_labels(clusters)
    y = np.asarray(yi, dtype=float)
    x = np.asarray(x, dtype=float)
    p = x.shape[1]
    dfs = cl.n - p
    if dfs <= 0:
        raise InputError(
            f"{cl.n} clusters cannot give robust tests of {p} coefficients",
            hint="cluster-robust inference needs more clusters than coefficients; drop --robust",
        )
    mx, vb, beta = marginal_parts(y, np.asarray(vi, dtype=float), x, np.array(fit.sigma2), cl)
    scores = cl.sums(mx * (y - x @ beta)[:, None])  # per cluster: X_c' W_c e_c
    vr = (cl.n / dfs) * vb @ (scores.T @ scores) @ vb
    tests = wald_tests(fit.names, beta, vr, dfs, float(fit.settings["level"]))
    robust = {"cluster_df": dfs, "n_clusters": cl.n, "adjust": True, "vcov_type": "CR1"}
    return replace(fit, tests=tests, robust=robust)
