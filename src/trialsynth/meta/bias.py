"""Small-study effects: Egger's regression test and the numbers of a funnel plot (no drawing).

Egger's test is the weighted least-squares regression of ``yi`` on its standard error with
weights ``1 / vi`` (computed as statsmodels ``WLS`` computes it, :mod:`trialsynth.meta.wls`),
the t test of the slope with k - 2 df; this equals metafor
``regtest(model = "lm", predictor = "sei")``. The intercept is metafor's "limit estimate"
(the effect as the standard error goes to 0).

References
----------
Egger, M., Davey Smith, G., Schneider, M. & Minder, C. (1997). Bias in meta-analysis detected by
a simple, graphical test. *BMJ* 315, 629-634. Sterne, J. A. C. et al. (2011). Recommendations for
examining and interpreting funnel plot asymmetry. *BMJ* 343, d4002 (at least 10 studies).
wviechtb/metafor ``R/regtest.rma.r``, ``R/funnel.rma.r``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialsynth.meta.distributions import norm_isf, t_sf
from trialsynth.meta.wls import with_intercept, wls_fit

#: Egger's test is reported only with at least this many studies (Cochrane Handbook 10.4.3.1).
EGGER_MIN_K = 10


@dataclass(frozen=True)
class EggerTest:
    """Egger's regression test: slope t statistic, p-value, residual df and the fitted line."""

    stat: float
    pval: float
    df: int
    intercept: float = float("nan")
    slope: float = float("nan")

    def as_dict(self) -> dict[str, float | int]:
        """The JSON ``egger_lm`` object."""
        return {"stat": self.stat, "pval": self.pval, "df": self.df}


def egger_lm(yi: np.ndarray, vi: np.ndarray) -> EggerTest:
    """Classical Egger test as ``regtest(model="lm", predictor="sei")`` computes it.

    A constant standard error leaves the slope unidentifiable: the test is then NaN (metafor stops
    with an error).
    """
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = len(yi)
    sei = np.sqrt(vi)
    if k < 3 or np.ptp(sei) == 0:
        return EggerTest(float("nan"), float("nan"), k - 2)
    fit = wls_fit(yi, with_intercept(sei), 1.0 / vi)
    stat = float(fit.tvalues[1])
    df = k - 2  # residual df of the two-parameter fit (fit.df_resid)
    pval = float(2 * t_sf(abs(stat), df))
    return EggerTest(stat, pval, df, float(fit.params[0]), float(fit.params[1]))


def funnel_data(
    yi: np.ndarray, vi: np.ndarray, estimate: float, level: float = 95.0, points: int = 50
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Points and pseudo-confidence region of a funnel plot (metafor ``funnel()``).

    Returns
    -------
    studies
        ``yi``, ``sei`` per study (analysis scale).
    region
        ``sei`` from 0 to the largest standard error and the bounds
        ``estimate -/+ z * sei`` of the pseudo-confidence region (``lower``, ``upper``).
    """
    yi = np.asarray(yi, dtype=float)
    sei = np.sqrt(np.asarray(vi, dtype=float))
    crit = float(norm_isf((1 - level / 100) / 2))
    grid = np.linspace(0.0, float(sei.max()) if len(sei) else 0.0, points)
    studies = pd.DataFrame({"yi": yi, "sei": sei})
    region = pd.DataFrame(
        {"sei": grid, "lower": estimate - crit * grid, "upper": estimate + crit * grid}
    )
    return studies, region
