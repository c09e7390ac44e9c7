"""Weighted least squares computed as statsmodels' ``WLS(y, x, weights).fit()`` computes it.

Egger's test, metafor's starting values of the three-level model, the residual heterogeneity
``QE`` and the coefficient tests of a meta-regression are each one small WLS fit. Importing
statsmodels' regression module costs about 0.9 s of CPU (it loads ``scipy.stats``), more than
the rest of a ``trialsynth meta`` job of hundreds of studies; the workflow starts one such job
per analysis. :func:`wls_fit` follows statsmodels' default ``method="pinv"`` operation by
operation (statsmodels 0.15: ``RegressionModel.fit``, ``WLS.whiten``,
``tools.pinv_extended``, ``RegressionResults.wresid`` / ``ssr`` / ``scale`` /
``centered_tss`` / ``rsquared`` / ``rsquared_adj`` and ``LikelihoodModelResults.cov_params``
/ ``bse`` / ``tvalues`` with the non-robust covariance), so every number is bit-identical to
statsmodels'; ``tests/unit/meta/test_wls.py`` compares the two on real analyses and random
designs.

References
----------
Seabold, S. & Perktold, J. (2010). statsmodels: Econometric and statistical modeling with
Python. *Proceedings of the 9th Python in Science Conference*, 92-96
(``statsmodels/regression/linear_model.py``, ``statsmodels/tools/tools.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: statsmodels' ``pinv_extended`` cut-off: singular values below ``RCOND * max`` count as 0.
RCOND = 1e-15


def pinv_extended(x: np.ndarray, rcond: float = RCOND) -> tuple[np.ndarray, np.ndarray]:
    """The pseudo-inverse of ``x`` by SVD and the singular values used (statsmodels
    ``tools.pinv_extended``, adapted there from NumPy's ``pinv``)."""
    u, s, vt = np.linalg.svd(x, False)
    s_orig = np.copy(s)
    cutoff = rcond * np.maximum.reduce(s)
    for i in range(min(vt.shape[1], u.shape[0])):
        s[i] = 1.0 / s[i] if s[i] > cutoff else 0.0
    return np.dot(np.transpose(vt), np.multiply(s[:, np.newaxis], np.transpose(u))), s_orig


@dataclass(frozen=True)
class WLSFit:
    """The fit of ``y`` on the columns of ``x`` with weights ``w``: coefficients, the
    unscaled covariance ``(X'WX)^+``, residual df and the statistics derived from them (the
    attributes of statsmodels' ``RegressionResults`` that this package uses)."""

    y: np.ndarray
    weights: np.ndarray
    params: np.ndarray
    normalized_cov_params: np.ndarray
    wresid: np.ndarray
    df_resid: float
    ssr: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ssr", np.dot(self.wresid, self.wresid))

    @property
    def scale(self) -> float:
        """``ssr / df_resid``: the residual variance that scales the covariance."""
        return float(self.ssr / self.df_resid)

    @property
    def bse(self) -> np.ndarray:
        """Standard errors: the root of the diagonal of ``normalized_cov_params * scale``."""
        return np.sqrt(np.diag(self.normalized_cov_params * self.scale))

    @property
    def tvalues(self) -> np.ndarray:
        """``params / bse``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.params / self.bse

    @property
    def rsquared_adj(self) -> float:
        """Adjusted R^2 of a model with an intercept, ``1 - (n - 1) / df_resid * (1 - R^2)``
        with ``R^2 = 1 - ssr / centered_tss`` and the weighted centred total sum of squares
        (R ``summary(lm(y ~ X, weights = w))$adj.r.squared``). Every design in this package
        holds an intercept column (statsmodels' ``k_constant`` is then 1)."""
        mean = np.average(self.y, weights=self.weights)
        centered_tss = np.sum(self.weights * (self.y - mean) ** 2)
        rsquared = 1 - self.ssr / centered_tss
        return float(1 - (np.divide(len(self.y) - 1, self.df_resid) * (1 - rsquared)))


def wls_fit(y: np.ndarray, x: np.ndarray, weights: np.ndarray) -> WLSFit:
    """``statsmodels.api.WLS(y, x, weights=weights).fit()`` (``method="pinv"``): whiten
    ``y`` and ``x`` by ``sqrt(weights)``, take the pseudo-inverse of the whitened design, and
    the residual df as ``n`` minus the rank of ``diag(singular values)``."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    weights = np.array(weights, dtype=float)
    weights = np.array([weights.squeeze()]) if len(weights) == 1 else weights.squeeze()
    root = np.sqrt(weights)
    wendog = y * root
    wexog = root[:, None] * x
    pinv_wexog, singular_values = pinv_extended(wexog)
    normalized_cov_params = np.dot(pinv_wexog, np.transpose(pinv_wexog))
    rank = np.linalg.matrix_rank(np.diag(singular_values))
    params = np.dot(pinv_wexog, wendog)
    return WLSFit(
        y=y,
        weights=weights,
        params=params,
        normalized_cov_params=normalized_cov_params,
        wresid=wendog - np.dot(wexog, params),
        df_resid=float(x.shape[0] - rank),
    )


def with_intercept(x: np.ndarray) -> np.ndarray:
    """``statsmodels.api.add_constant(x, has_constant="add")`` of a column: a column of ones
    first, then ``x``."""
    x = np.asarray(x, dtype=float)
    return np.column_stack((np.ones(x.shape[0]), x))
