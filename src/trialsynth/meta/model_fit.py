"""The fitted model with moderators (meta-regression or three-level model) and its JSON block."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trialsynth.errors import InputError
from trialsynth.meta.distributions import chi2_sf
from trialsynth.meta.wald import CoefficientTests
from trialsynth.meta.wls import wls_fit


def model_arrays(
    yi: np.ndarray, vi: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``yi``, ``vi`` and the design matrix ``x`` as floats, for a model with moderators.

    Raises
    ------
    InputError
        No more rows than coefficients, or a design matrix not of full rank.
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    x = np.asarray(x, dtype=float)
    k, p = x.shape
    if k <= p:
        raise InputError(f"k = {k} rows cannot support {p} coefficients", hint="fewer moderators")
    if np.linalg.matrix_rank(x) < p:
        raise InputError(
            "moderators are collinear (design matrix not of full rank)",
            hint="drop redundant moderators, or a factor level that occurs with another only",
        )
    return y, v, x


def residual_heterogeneity(y: np.ndarray, v: np.ndarray, x: np.ndarray) -> dict[str, Any]:
    """The test for residual heterogeneity: ``QE``, the residual sum of squares of the WLS fit
    with weights ``1/v``, on ``k - p`` df (Hedges & Olkin 1985; metafor ``QE``, ``QEp``)."""
    k, p = x.shape
    qe = float(wls_fit(y, x, 1 / v).ssr)
    return {"QE": qe, "QE_df": k - p, "QE_p": float(chi2_sf(qe, k - p))}


@dataclass(frozen=True)
class ModelFit:
    """Coefficients with their tests, residual heterogeneity and variance components.

    ``tau2``/``I2``/``R2`` belong to the two-level model (metafor ``rma.uni``); ``sigma2``
    (between clusters, within clusters) and ``n_clusters`` to the three-level model (``rma.mv``).
    ``df`` is the df of the t tests (``None`` for z tests); ``robust`` is set when the inference
    is cluster-robust (metafor ``robust()``).
    """

    tests: CoefficientTests
    k: int
    QE: float
    QE_df: int
    QE_p: float
    settings: dict[str, Any]
    tau2: float | None = None
    I2: float | None = None
    R2: float | None = None
    sigma2: list[float] | None = None
    n_clusters: int | None = None
    robust: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Coefficient names (metafor's), intercept first."""
        return self.tests.names

    @property
    def beta(self) -> np.ndarray:
        """Coefficient estimates."""
        return self.tests.beta

    @property
    def vcov(self) -> np.ndarray:
        """Covariance matrix of the coefficients (robust when ``robust`` is set)."""
        return self.tests.vcov

    @property
    def se(self) -> np.ndarray:
        """Standard errors."""
        return self.tests.se

    @property
    def ci_lb(self) -> np.ndarray:
        """Lower confidence limits."""
        return self.tests.ci_lb

    @property
    def ci_ub(self) -> np.ndarray:
        """Upper confidence limits."""
        return self.tests.ci_ub

    @property
    def pval(self) -> np.ndarray:
        """Two-sided p-values."""
        return self.tests.pval

    @property
    def df(self) -> int | None:
        """Degrees of freedom of the t tests (``None``: z tests)."""
        return self.tests.df

    @property
    def QM(self) -> float:  # noqa: N802 (metafor name)
        """Omnibus test of the moderators (F form under t tests)."""
        return self.tests.QM

    @property
    def QM_df(self) -> list[int]:  # noqa: N802 (metafor name)
        """df of QM: ``[m]`` (chi^2) or ``[m, df]`` (F)."""
        return self.tests.QM_df

    @property
    def QM_p(self) -> float:  # noqa: N802 (metafor name)
        """p-value of QM."""
        return self.tests.QM_p

    def model_block(self) -> dict[str, Any]:
        """The keys this fit adds to the result JSON (NaN kept; the caller converts)."""
        out: dict[str, Any] = {
            "coefficients": self.tests.coefficients(),
            "vcov": self.vcov.tolist(),
            "df": self.df,
            "QM": self.QM,
            "QM_df": self.QM_df,
            "QM_p": self.QM_p,
            "QE": self.QE,
            "QE_df": self.QE_df,
            "QE_p": self.QE_p,
        }
        if self.sigma2 is not None:
            out["sigma2"] = list(self.sigma2)
            out["n_clusters"] = self.n_clusters
        else:
            out["tau2"] = self.tau2
            out["I2"] = self.I2
            out["R2"] = self.R2
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the fit (its block plus ``k`` and ``settings``)."""
        from trialsynth.meta.result import json_number

        return json_number({"k": self.k, **self.model_block(), "settings": self.settings})
