"""GOSH: the model fitted to every one of the 2^k - 1 non-empty subsets of k studies.

Olkin, Dahabreh & Trikalinos (2012) plot the pooled estimate of each subset against its I^2
("graphical display of study heterogeneity"); clusters and outliers show studies that drive
heterogeneity. metafor ``gosh()`` refits the model of its argument to each subset; for the
fixed-effect and DerSimonian-Laird models it uses closed forms, and so does :func:`gosh` here,
vectorised: the sums ``sum w``, ``sum w y``, ``sum w y^2`` and ``sum w^2`` of all subsets are
built by doubling (:func:`subset_sums`), and the DL random-effects mean, whose weights depend on
each subset's tau^2, is computed over blocks of subsets.
Other tau^2 estimators (REML, ML, PM, HE) refit the batched engine
(:func:`trialsynth.meta.batch.fit_in_blocks`) block by block.

Per subset (as metafor ``gosh()``, closed-form path): ``Q`` is Cochran's Q under fixed-effect
weights, ``I2 = max(0, (Q - (k - 1)) / Q) * 100`` (0 when Q = 0), ``H2 = Q / (k - 1)`` (1 when
k = 1), ``tau2`` is 0 (FE) or the DerSimonian-Laird estimate, and the estimate is the inverse-
variance mean with weights ``1 / (v_i + tau2)``.

The default model is the fixed-effect one, as in Olkin et al. (2012) and metafor's documented
example (``gosh(rma(yi, vi, method = "FE"))``); metafor itself uses the method of the model it is
given, which is what ``method=`` selects here.

References
----------
Olkin, I., Dahabreh, I. J. & Trikalinos, T. A. (2012). GOSH - a graphical display of study
heterogeneity. *Res Synth Methods* 3(3), 214-223. wviechtb/metafor ``R/gosh.rma.r``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialsynth.errors import InputError
from trialsynth.meta.tau2 import METHODS

#: Largest k for which all subsets are fitted (2^20 - 1 = 1,048,575 subsets).
GOSH_MAX_K = 20
#: Smallest k for which a GOSH plot says something (the report draws it for 6 <= k <= 20).
GOSH_MIN_K = 6
#: Subsets per block of the closed-form engine (rows of the inclusion matrix held at once).
BLOCK_SUBSETS = 1 << 16


@dataclass(frozen=True)
class GoshResult:
    """One row per non-empty subset, ordered by ``subset`` (bit j set = study j included)."""

    method: str
    study: list[str]
    subset: np.ndarray
    k: np.ndarray
    estimate: np.ndarray
    Q: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    tau2: np.ndarray

    def frame(self) -> pd.DataFrame:
        """The subsets as a table (``subset`` bit mask, ``k``, ``estimate``, ``Q``, ``I2``, ...)."""
        return pd.DataFrame(
            {
                "subset": self.subset,
                "k": self.k,
                "estimate": self.estimate,
                "Q": self.Q,
                "I2": self.I2,
                "H2": self.H2,
                "tau2": self.tau2,
            }
        )

    def includes(self, row: int, study: int) -> bool:
        """Whether subset ``row`` includes study ``study`` (0-based)."""
        return bool((int(self.subset[row]) >> study) & 1)


def subset_masks(subsets: np.ndarray, k: int) -> np.ndarray:
    """0/1 inclusion matrix ``(len(subsets), k)`` of subset bit masks (bit j = study j)."""
    return ((subsets[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)


def gosh(
    yi: np.ndarray,
    vi: np.ndarray,
    method: str = "FE",
    study: list[str] | None = None,
    max_k: int = GOSH_MAX_K,
    block_subsets: int = BLOCK_SUBSETS,
) -> GoshResult:
    """Fit ``method`` to all 2^k - 1 non-empty subsets of the k studies.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances (analysis scale).
    method
        ``FE`` (default) or ``DL`` (closed forms), or ``REML``, ``ML``, ``PM``, ``HE`` (iterative
        refits, slower).
    study
        Study labels, in the order of ``yi`` (default ``1..k``).
    max_k
        Refuse larger k (2^k subsets): :data:`GOSH_MAX_K` by default.

    Raises
    ------
    InputError
        k is 0 or above ``max_k``, or the method is unknown.
    """
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = len(yi)
    if not 1 <= k <= max_k:
        raise InputError(
            f"GOSH needs 1 <= k <= {max_k} studies (2^k - 1 subsets); got k = {k}",
            hint="GOSH is for small analyses; use leave-one-out for larger ones",
        )
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", hint=f"use one of {', '.join(METHODS)}")
    labels = study or [str(i + 1) for i in range(k)]
    subsets = np.arange(1, 1 << k, dtype=np.int64)
    if method in ("FE", "DL"):
        est, q, i2, h2, tau2 = _closed_form(yi, vi, subsets, method, block_subsets)
    else:
        est, q, i2, h2, tau2 = _refit(yi, vi, subsets, method, block_subsets)
    counts = np.bitwise_count(subsets.astype(np.uint64)).astype(np.int64)
    return GoshResult(method, labels, subsets, counts, est, q, i2, h2, tau2)


def subset_sums(columns: np.ndarray) -> np.ndarray:
    """Column sums over every subset: row ``s`` sums the rows ``j`` of ``columns`` with bit j set.

    Built by doubling (the subsets containing study j are those without it plus study j), so
    ``2^k`` sums cost ``O(2^k)`` additions and no ``2^k x k`` inclusion matrix is needed.
    """
    k = len(columns)
    sums = np.zeros((1 << k, columns.shape[1]))
    for j in range(k):
        half = 1 << j
        np.add(sums[:half], columns[j], out=sums[half : 2 * half])
    return sums


def _closed_form(
    yi: np.ndarray, vi: np.ndarray, subsets: np.ndarray, method: str, block: int
) -> tuple[np.ndarray, ...]:
    k = len(yi)
    w = 1.0 / vi
    fe_mean = (w * yi).sum() / w.sum()
    y = yi - fe_mean  # Q is shift-invariant; shifted sums lose less precision
    sums = subset_sums(np.column_stack([w, w * y, w * y**2, w**2]))[subsets]
    sw, swy, swy2, sw2 = sums.T
    kk = np.bitwise_count(subsets.astype(np.uint64)).astype(float)
    q = np.where(kk > 1, np.maximum(0.0, swy2 - swy**2 / sw), 0.0)
    tau2 = np.zeros(len(subsets))
    if method == "FE":
        est = swy / sw
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            tau2 = np.maximum(0.0, np.where(kk > 1, (q - (kk - 1)) / (sw - sw2 / sw), 0.0))
        est = swy / sw  # subsets with tau2 = 0 keep the fixed-effect mean
        rows = np.flatnonzero(tau2 > 0)
        y_one = np.column_stack([y, np.ones(k)])
        for start in range(0, len(rows), block):
            part = rows[start : start + block]
            w_re = vi[None, :] + tau2[part, None]
            np.reciprocal(w_re, out=w_re)
            w_re *= subset_masks(subsets[part], k)
            num, den = (w_re @ y_one).T
            est[part] = num / den
    est = est + fe_mean
    with np.errstate(divide="ignore", invalid="ignore"):
        i2 = np.where(q > 0, np.maximum(0.0, 100 * (q - (kk - 1)) / q), 0.0)
        h2 = np.where(kk > 1, q / (kk - 1), 1.0)
    return est, q, i2, h2, tau2


def _refit(
    yi: np.ndarray, vi: np.ndarray, subsets: np.ndarray, method: str, block: int
) -> tuple[np.ndarray, ...]:
    k = len(yi)

    def rows(start: int, stop: int) -> np.ndarray:
        return subset_masks(subsets[start:stop], k)

    # imported here: the batched engine needs scipy.stats, which a figure job that only asks
    # whether an analysis has a GOSH plot (GOSH_MIN_K, GOSH_MAX_K) need not start up with
    from trialsynth.meta.batch import fit_in_blocks

    fit = fit_in_blocks(
        yi, vi, len(subsets), rows, method, "z", "normal", 95.0, block_entries=block * k
    )
    return fit.pooled.estimate, fit.Q, fit.I2, fit.H2, fit.tau2
