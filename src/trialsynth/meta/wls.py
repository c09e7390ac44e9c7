"""Weighted least squares through statsmodels, imported on first use.

Importing ``statsmodels.api`` costs about a second of CPU, and the workflow starts one
``trialsynth meta`` process per analysis; most analyses never fit a WLS model (Egger's test
needs k >= 10, meta-regression needs moderators). The fits are statsmodels' own ``WLS`` and
``add_constant`` (the same objects ``statsmodels.api`` exposes), so every number is unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def wls_fit(y: np.ndarray, x: np.ndarray, weights: np.ndarray) -> Any:
    """``statsmodels.api.WLS(y, x, weights=weights).fit()``."""
    from statsmodels.regression.linear_model import WLS

    return WLS(y, x, weights=weights).fit()


def with_intercept(x: np.ndarray) -> np.ndarray:
    """``statsmodels.api.add_constant(x, has_constant="add")``: a column of ones first."""
    from statsmodels.tools.tools import add_constant

    return np.asarray(add_constant(x, has_constant="add"))
