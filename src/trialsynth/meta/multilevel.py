"""Three-level meta-analysis: rows (effect sizes) within clusters (studies), with moderators.

Model (Konstantopoulos 2011; Cheung 2014): ``y = X b + u_cluster + u_row + e`` with
``u_cluster ~ N(0, sigma2_1)``, ``u_row ~ N(0, sigma2_2)`` and ``e ~ N(0, v)`` (known sampling
variances), i.e. metafor ``rma.mv(yi, vi, mods, random = ~ 1 | cluster/row)``. The marginal
covariance ``M`` is block diagonal: ``M_c = D_c + sigma2_1 11'`` with ``D_c = diag(v + sigma2_2)``,
so ``M^{-1}`` and ``log det M`` have closed forms per cluster (Sherman-Morrison); nothing of size
k x k is formed.

The variance components maximise the restricted (REML) or full (ML) log-likelihood over
``log(sigma2)``, as metafor parameterises them (there with ``nlminb``; here L-BFGS-B with the
analytic gradient), starting from metafor's values. Given sigma2, ``b = (X'M^{-1}X)^{-1}
X'M^{-1}y`` with covariance ``(X'M^{-1}X)^{-1}``; tests use N(0, 1) or, with ``test = "t"``,
t(k - p) (metafor ``dfs = "residual"``). QE is the residual sum of squares with weights 1/v.

References
----------
Konstantopoulos, S. (2011). Fixed effects and variance components estimation in three-level
meta-analysis. *Res Synth Methods* 2, 61-76.
Cheung, M. W.-L. (2014). Modeling dependent effect sizes with three-level meta-analyses.
*Psychol Methods* 19, 211-229.
Harville, D. A. (1977). Maximum likelihood approaches to variance component estimation.
*JASA* 72, 320-338 (REML likelihood and its gradient).
wviechtb/metafor ``R/rma.mv.r`` and ``.ll.rma.mv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialsynth.errors import ConvergenceError, InputError
from trialsynth.meta.model_fit import ModelFit, model_arrays, residual_heterogeneity
from trialsynth.meta.wald import wald_tests
from trialsynth.meta.wls import wls_fit

#: Tests of the three-level model: metafor ``test = "z"`` or ``"t"``.
MULTILEVEL_TESTS = ("z", "t")
MULTILEVEL_METHODS = ("REML", "ML")
#: log(sigma2) is kept within these bounds (sigma2 from 1e-16 to 1e8).
LOG_BOUNDS = (np.log(1e-16), np.log(1e8))


@dataclass(frozen=True)
class ClusterStructure:
    """Cluster codes ``0..n-1`` for the rows, and the number of clusters."""

    codes: np.ndarray
    n: int

    @classmethod
    def from_labels(cls, labels: list[str] | np.ndarray) -> ClusterStructure:
        """Codes in order of first appearance of each label."""
        _, first, codes = np.unique(np.asarray(labels), return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))
        return cls(order[codes].astype(int), len(first))

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per-cluster sums of a vector (length n) or of the rows of a matrix (n x m)."""
        out = np.zeros((self.n, *values.shape[1:]))
        np.add.at(out, self.codes, values)
        return out


@dataclass(frozen=True)
class MarginalInverse:
    """``M^{-1}`` of the three-level model at given sigma2, applied without forming it."""

    dinv: np.ndarray
    g: np.ndarray  # per cluster: sigma2_1 / (1 + sigma2_1 * sum(dinv))
    clusters: ClusterStructure
    logdet: float

    @classmethod
    def at(cls, v: np.ndarray, sigma2: np.ndarray, clusters: ClusterStructure) -> MarginalInverse:
        """``M^{-1}`` for ``sigma2 = (between, within)``."""
        dinv = 1 / (v + sigma2[1])
        s = clusters.sums(dinv)
        g = sigma2[0] / (1 + sigma2[0] * s)
        logdet = float(-np.log(dinv).sum() + np.log1p(sigma2[0] * s).sum())
        return cls(dinv, g, clusters, logdet)

    def apply(self, a: np.ndarray) -> np.ndarray:
        """``M^{-1} a`` for a vector or matrix ``a`` with k rows."""
        u = a * (self.dinv if a.ndim == 1 else self.dinv[:, None])
        corr = (self.g[:, None] * self.clusters.sums(u.reshape(len(u), -1)))[self.clusters.codes]
        corr = corr * self.dinv[:, None]
        return u - corr.reshape(u.shape)

    def trace_terms(self) -> tuple[float, float]:
        """``(tr(M^{-1} Z Z'), tr(M^{-1}))`` with Z the cluster indicator matrix."""
        s = self.clusters.sums(self.dinv)
        s2 = self.clusters.sums(self.dinv**2)
        return float((s - self.g * s**2).sum()), float(self.dinv.sum() - (self.g * s2).sum())


def _profile(
    y: np.ndarray, v: np.ndarray, x: np.ndarray, sigma2: np.ndarray, cl: ClusterStructure
) -> tuple[MarginalInverse, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``M^{-1}``, ``M^{-1}X``, ``(X'M^{-1}X)^{-1}``, ``b`` and ``Py = M^{-1}(y - Xb)``."""
    minv = MarginalInverse.at(v, sigma2, cl)
    mx = minv.apply(x)
    vb = np.linalg.inv(x.T @ mx)
    beta = vb @ (mx.T @ y)
    py = minv.apply(y - x @ beta)
    return minv, mx, vb, beta, py


def marginal_parts(
    y: np.ndarray, v: np.ndarray, x: np.ndarray, sigma2: np.ndarray, cl: ClusterStructure
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``M^{-1}X``, ``(X'M^{-1}X)^{-1}`` and ``b`` at ``sigma2`` (for robust inference)."""
    _, mx, vb, beta, _ = _profile(y, v, x, sigma2, cl)
    return mx, vb, beta


def _objective(
    theta: np.ndarray, y: np.ndarray, v: np.ndarray, x: np.ndarray, cl: ClusterStructure, reml: bool
) -> tuple[float, np.ndarray]:
    """Minus the (restricted) log-likelihood without constants, and its gradient in log(sigma2)."""
    sigma2 = np.exp(theta)
    minv, mx, vb, beta, py = _profile(y, v, x, sigma2, cl)
    resid = y - x @ beta
    value = 0.5 * (minv.logdet + float(resid @ py))
    tr_z, tr_i = minv.trace_terms()
    if reml:
        value += 0.5 * np.linalg.slogdet(x.T @ mx)[1]
        zmx = cl.sums(mx)  # Z' M^{-1} X
        tr_z -= float(np.einsum("ij,jk,ik->", zmx, vb, zmx))
        tr_i -= float(np.einsum("ij,jk,ik->", mx, vb, mx))
    quad_z = float((cl.sums(py) ** 2).sum())
    quad_i = float(py @ py)
    grad = 0.5 * np.array([tr_z - quad_z, tr_i - quad_i]) * sigma2
    return value, grad


def _start(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """metafor's starting values: half each of ``max(0.002, var(y - X b_FE) - 1/mean(1/v))``."""
    fe = wls_fit(y, x, 1 / v)
    total = max(0.001 * 2, float(np.var(y - x @ fe.params, ddof=1)) - 1 / float(np.mean(1 / v)))
    return np.full(2, total / 2)


def log_likelihood(
    y: np.ndarray,
    v: np.ndarray,
    x: np.ndarray,
    sigma2: np.ndarray,
    cl: ClusterStructure,
    reml: bool,
) -> float:
    """The (restricted) log-likelihood with metafor's constants (``REMLf = TRUE``)."""
    k, p = x.shape
    value, _ = _objective(np.log(sigma2), y, v, x, cl, reml)
    if reml:
        return -value - 0.5 * (k - p) * np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(x.T @ x)[1]
    return -value - 0.5 * k * np.log(2 * np.pi)


def estimate_sigma2(
    y: np.ndarray, v: np.ndarray, x: np.ndarray, cl: ClusterStructure, reml: bool
) -> np.ndarray:
    """Variance components (between, within) maximising the (restricted) likelihood."""
    # imported here: scipy.optimize is start-up that only three-level models need
    from scipy import optimize

    result = optimize.minimize(
        _objective,
        np.log(_start(y, v, x)),
        args=(y, v, x, cl, reml),
        jac=True,
        method="L-BFGS-B",
        bounds=[LOG_BOUNDS, LOG_BOUNDS],
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000},
    )
    if not result.success:
        raise ConvergenceError(
            f"three-level {'REML' if reml else 'ML'} estimation did not converge: {result.message}"
        )
    sigma2 = np.exp(result.x)
    return np.where(result.x <= LOG_BOUNDS[0] + 1e-8, 0.0, sigma2)


#: Warning of a three-level fit whose clusters all hold one row.
SINGLE_ROW_CLUSTERS = (
    "every cluster holds a single row: the two variance components are not separately "
    "identifiable (only their sum is)"
)


def _check_multilevel_settings(method: str, test: str) -> None:
    if method not in MULTILEVEL_METHODS:
        raise InputError(
            f"three-level models are fitted by REML or ML, not {method!r}",
            hint="use --method REML (default) or ML with --cluster",
        )
    if test not in MULTILEVEL_TESTS:
        raise InputError(f"unknown test {test!r} for the three-level model", hint="use z or t")


def fit_three_level(
    yi: np.ndarray,
    vi: np.ndarray,
    x: np.ndarray,
    clusters: list[str] | np.ndarray,
    names: list[str] | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
) -> ModelFit:
    """Fit the three-level model (see the module docstring).

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances, one per row.
    x
        Design matrix with the intercept column.
    clusters
        Cluster label of every row (e.g. the study).
    method
        ``REML`` or ``ML``.
    test
        ``z`` or ``t`` (metafor's ``test = "t"``: t(k - p) for coefficients, F(m, k - p) for QM).

    Raises
    ------
    InputError
        Unknown method/test, k not above p, a design matrix not of full rank.
    ConvergenceError
        The likelihood maximisation failed.
    """
    _check_multilevel_settings(method, test)
    y, v, x = model_arrays(yi, vi, x)
    k, p = x.shape
    cl = ClusterStructure.from_labels(clusters)
    reml = method == "REML"
    sigma2 = estimate_sigma2(y, v, x, cl, reml)
    _, _, vb, beta, _ = _profile(y, v, x, sigma2, cl)
    names = names or [f"x{i}" for i in range(p)]
    tests = wald_tests(names, beta, vb, k - p if test == "t" else None, level)
    warnings = [] if cl.n < k else [SINGLE_ROW_CLUSTERS]
    return ModelFit(
        tests=tests,
        k=k,
        **residual_heterogeneity(y, v, x),
        settings={"method": method, "test": test, "level": level},
        sigma2=[float(s) for s in sigma2],
        n_clusters=cl.n,
        warnings=warnings,
    )
