"""Confidence intervals of single-arm proportions (events / participants), via statsmodels.

Used for single-arm studies, whose proportion is reported on its own before (or instead of) a
logit-scale pool (measure ``PLO``). Methods are statsmodels ``proportion_confint`` names:
``wilson`` (score interval, the default; R ``prop.test(correct = FALSE)``), ``beta``
(Clopper-Pearson exact; R ``binom.test``), ``agresti_coull`` and ``jeffreys``.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*J Am Stat Assoc* 22, 209-212. Clopper, C. J. & Pearson, E. S. (1934). The use of confidence or
fiducial limits illustrated in the case of the binomial. *Biometrika* 26, 404-413. Brown, L. D.,
Cai, T. T. & DasGupta, A. (2001). Interval estimation for a binomial proportion. *Stat Sci* 16,
101-133 (why not the Wald interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialsynth.errors import InputError

PROPORTION_CI_METHODS = ("wilson", "beta", "agresti_coull", "jeffreys")


def proportion_cis(
    xi: np.ndarray, ni: np.ndarray, level: float = 95.0, method: str = "wilson"
) -> pd.DataFrame:
    """Proportion and its CI per study: columns ``xi, ni, proportion, ci_lb, ci_ub``.

    Raises
    ------
    InputError
        Unknown method, ``ni <= 0`` or events outside ``0..ni`` (names the row, 1-based).
    """
    if method not in PROPORTION_CI_METHODS:
        raise InputError(
            f"unknown proportion CI method {method!r}",
            hint=f"use one of {', '.join(PROPORTION_CI_METHODS)}",
        )
    x = np.asarray(xi, dtype=float)
    n = np.asarray(ni, dtype=float)
    for row in np.flatnonzero((n <= 0) | (x < 0) | (x > n)):
        raise InputError(
            f"events {x[row]:g} of {n[row]:g} participants is not a proportion",
            record=f"row {row + 1}",
            hint="events must be between 0 and the number of participants (> 0)",
        )
    # imported here: statsmodels costs ~0.5 s of start-up that only proportion pools need
    from statsmodels.stats.proportion import proportion_confint

    lower, upper = proportion_confint(x, n, alpha=1 - level / 100, method=method)
    return pd.DataFrame({"xi": x, "ni": n, "proportion": x / n, "ci_lb": lower, "ci_ub": upper})
