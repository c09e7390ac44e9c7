"""Tests, confidence intervals and prediction intervals for the pooled effect (batched).

* ``z``: Wald test with the normal distribution (metafor ``test="z"``).
* ``knha``: Hartung-Knapp-Sidik-Jonkman: variance scaled by
  ``s2 = sum w_i (y_i - mu)^2 / (k - 1)``, t with k - 1 df (Knapp & Hartung 2003).
* ``adhoc``: as ``knha`` but ``s2 = max(1, s2)``, so the CI is never narrower than under ``z``
  (Knapp & Hartung 2003, ad hoc modification; metafor ``test="adhoc"``).

Prediction intervals: ``normal`` is metafor's default ``predict()`` (z, or t(k-1) under
knha/adhoc); ``hts`` is Higgins, Thompson & Spiegelhalter (2009): t with k - 2 df (at least 1,
as metafor) and
``sqrt(se^2 + tau^2)`` with the model's own se (metafor ``predict(pi.type="riley")``).

References
----------
Knapp, G. & Hartung, J. (2003). Improved tests for a random effects meta-regression with a single
covariate. *Stat Med* 22, 2693-2710.
Higgins, J. P. T., Thompson, S. G. & Spiegelhalter, D. J. (2009). A re-evaluation of random-effects
meta-analysis. *J R Stat Soc A* 172, 137-159.
wviechtb/metafor ``R/rma.uni.r`` and ``R/predict.rma.r``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialsynth.meta.distributions import norm_isf, norm_sf, t_isf, t_sf

TESTS = ("z", "knha", "adhoc")
PI_TYPES = ("hts", "normal")


@dataclass(frozen=True)
class PooledInference:
    """Pooled estimate with its se, test statistic, p-value, CI and PI (arrays per dataset)."""

    estimate: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    pi_hts_lb: np.ndarray
    pi_hts_ub: np.ndarray
    pi_normal_lb: np.ndarray
    pi_normal_ub: np.ndarray


def pool(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray,
    tau2: np.ndarray,
    test: str = "z",
    pi: str = "hts",
    level: float = 95.0,
) -> PooledInference:
    """Inverse-variance pooled estimate under ``tau2`` with the chosen test and PI type."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; use one of {', '.join(TESTS)}")
    if pi not in PI_TYPES:
        raise ValueError(f"unknown prediction interval {pi!r}; use one of {', '.join(PI_TYPES)}")
    k = mask.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
        sw = w.sum(axis=1)
        est = (w * y).sum(axis=1) / sw
        var = 1.0 / sw
        alpha = 1 - level / 100
        if test == "z":
            se = np.sqrt(var)
            stat = est / se
            pval = 2 * norm_sf(np.abs(stat))
            crit = np.full(len(y), norm_isf(alpha / 2))
        else:
            df = k - 1
            s2w = (w * (y - est[:, None]) ** 2).sum(axis=1) / df
            if test == "adhoc":
                s2w = np.maximum(1.0, s2w)
            se = np.sqrt(s2w * var)
            stat = est / se
            pval = 2 * t_sf(np.abs(stat), df)
            crit = t_isf(alpha / 2, df)
        ci_lb = est - crit * se
        ci_ub = est + crit * se
        pi_se = np.sqrt(se**2 + tau2)
        normal_lb = est - crit * pi_se
        normal_ub = est + crit * pi_se
        hts_crit = t_isf(alpha / 2, np.maximum(k - 2, 1))
        hts_lb = est - hts_crit * pi_se
        hts_ub = est + hts_crit * pi_se
    chosen_lb, chosen_ub = (hts_lb, hts_ub) if pi == "hts" else (normal_lb, normal_ub)
    return PooledInference(
        est,
        se,
        stat,
        pval,
        ci_lb,
        ci_ub,
        chosen_lb,
        chosen_ub,
        hts_lb,
        hts_ub,
        normal_lb,
        normal_ub,
    )
