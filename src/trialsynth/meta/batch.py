"""Vectorised random-effects fits of many datasets at once (the engine behind every fit).

A single meta-analysis, each leave-one-out refit, each cumulative step and each subgroup is a row
of one padded ``(B, K)`` array, so the same code serves one dataset or ten thousand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from trialsynth.meta.distributions import chi2_sf
from trialsynth.meta.heterogeneity import i2_h2, q_profile_ci, typical_within_variance
from trialsynth.meta.inference import PooledInference, pool
from trialsynth.meta.tau2 import estimate_tau2, q_statistic


@dataclass(frozen=True)
class BatchFit:
    """Results of :func:`fit_batch`, one entry per dataset."""

    k: np.ndarray
    tau2: np.ndarray
    tau2_converged: np.ndarray
    tau2_fallback: list[tuple[float, int]] | None
    pooled: PooledInference
    Q: np.ndarray
    Q_p: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    tau2_ci_lb: np.ndarray
    tau2_ci_ub: np.ndarray
    I2_ci_lb: np.ndarray
    I2_ci_ub: np.ndarray
    H2_ci_lb: np.ndarray
    H2_ci_ub: np.ndarray
    ci_converged: np.ndarray


def _pooled_inference(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray,
    tau2: np.ndarray,
    single: np.ndarray,
    test: str,
    pi: str,
    level: float,
) -> PooledInference:
    """:func:`~trialsynth.meta.inference.pool`, with the datasets of one study (``single``) given
    a z-based CI and a prediction interval equal to it (metafor ``rma()`` + ``predict()``: no
    between-study variance is estimable from one study)."""
    pooled = pool(y, v, mask, tau2, test=test, pi=pi, level=level)
    if not single.any():
        return pooled
    if test != "z":
        z_pooled = pool(y, v, mask, tau2, test="z", pi=pi, level=level)
        pooled = PooledInference(
            *[
                np.where(single, getattr(z_pooled, f), getattr(pooled, f))
                for f in PooledInference.__dataclass_fields__
            ]
        )
    return replace(
        pooled,
        **{
            f"pi{kind}_{side}": np.where(single, getattr(pooled, f"ci_{side}"), old)
            for kind in ("", "_hts", "_normal")
            for side in ("lb", "ub")
            for old in [getattr(pooled, f"pi{kind}_{side}")]
        },
    )


def _heterogeneity_cis(
    y: np.ndarray, v: np.ndarray, mask: np.ndarray, tau2: np.ndarray, vt: np.ndarray, level: float
) -> tuple[np.ndarray, ...]:
    """Q-profile CI of tau^2 and the I^2 and H^2 limits it implies (metafor ``confint()``):
    ``tau2_lb, tau2_ub, I2_lb, I2_ub, H2_lb, H2_ub, converged``."""
    qp = q_profile_ci(y, v, mask, tau2, level)
    lo, hi = qp.lower, qp.upper
    with np.errstate(divide="ignore", invalid="ignore"):
        return (
            lo,
            hi,
            100 * lo / (vt + lo),
            100 * hi / (vt + hi),
            lo / vt + 1,
            hi / vt + 1,
            qp.converged,
        )


def pad(
    yi_list: Sequence[np.ndarray], vi_list: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack datasets of different sizes into padded ``y, v, mask`` arrays."""
    width = max(len(y) for y in yi_list)
    n = len(yi_list)
    y = np.zeros((n, width))
    v = np.ones((n, width))
    mask = np.zeros((n, width), dtype=bool)
    for row, (yi, vi) in enumerate(zip(yi_list, vi_list, strict=True)):
        y[row, : len(yi)] = yi
        v[row, : len(vi)] = vi
        mask[row, : len(yi)] = True
    return y, v, mask


def fit_batch(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray,
    method: str = "REML",
    test: str = "adhoc",
    pi: str = "hts",
    level: float = 95.0,
    q_profile: bool = True,
) -> BatchFit:
    """Fit the intercept-only (random-effects or fixed-effect) model to every row.

    Parameters
    ----------
    y, v, mask
        ``(B, K)`` effect sizes, sampling variances and the mask of real entries.
    method
        tau^2 estimator (``FE, DL, HE, REML, ML, PM``); see :mod:`trialsynth.meta.tau2`.
    test, pi, level
        See :func:`trialsynth.meta.inference.pool`.
    q_profile
        Compute the Q-profile CI of tau^2, I^2 and H^2 (skipped, NaN, for ``FE``).

    Notes
    -----
    Datasets with k = 1 get tau^2 = 0, a z-based CI of the single study and a prediction interval
    equal to that CI, as metafor ``rma()`` + ``predict()`` do.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    y = np.where(mask, y, 0.0)
    v = np.where(mask, v, 1.0)
    k = mask.sum(axis=1)
    fit = estimate_tau2(y, v, mask, method)
    single = k == 1
    tau2 = np.where(single, 0.0, fit.tau2)
    pooled = _pooled_inference(y, v, mask, tau2, single, test, pi, level)
    q = q_statistic(y, v, mask, np.zeros(len(y)))
    with np.errstate(invalid="ignore"):
        q_p = np.where(k > 1, chi2_sf(q, np.maximum(k - 1, 1)), 1.0)
    vt = typical_within_variance(v, mask)
    i2, h2 = i2_h2(tau2, q, k, vt, fixed=method == "FE")
    nan = np.full(len(y), np.nan)
    lo = hi = i2_lo = i2_hi = h2_lo = h2_hi = nan
    ci_ok = np.ones(len(y), dtype=bool)
    if q_profile and method != "FE":
        lo, hi, i2_lo, i2_hi, h2_lo, h2_hi, ci_ok = _heterogeneity_cis(y, v, mask, tau2, vt, level)
    return BatchFit(
        k=k,
        tau2=tau2,
        tau2_converged=fit.converged | single,
        tau2_fallback=None
        if fit.stepadj is None or fit.maxiter is None
        else [(float(s), int(m)) for s, m in zip(fit.stepadj, fit.maxiter, strict=True)],
        pooled=pooled,
        Q=q,
        Q_p=q_p,
        I2=i2,
        H2=h2,
        tau2_ci_lb=lo,
        tau2_ci_ub=hi,
        I2_ci_lb=i2_lo,
        I2_ci_ub=i2_hi,
        H2_ci_lb=h2_lo,
        H2_ci_ub=h2_hi,
        ci_converged=ci_ok,
    )


#: Most entries (rows x studies) of one block of :func:`fit_in_blocks`: about 4 MB per float array,
#: so memory stays bounded whatever k is (issue "memory linear in k").
BLOCK_ENTRIES = 1 << 19


def concat_fits(parts: Sequence[BatchFit]) -> BatchFit:
    """One :class:`BatchFit` with the rows of ``parts`` in order."""
    if len(parts) == 1:
        return parts[0]
    values: dict[str, object] = {}
    for f in fields(BatchFit):
        items = [getattr(part, f.name) for part in parts]
        if f.name == "pooled":
            values[f.name] = PooledInference(
                *[
                    np.concatenate([getattr(item, g.name) for item in items])
                    for g in fields(PooledInference)
                ]
            )
        elif f.name == "tau2_fallback":
            values[f.name] = (
                None
                if all(item is None for item in items)
                else [
                    pair
                    for part, item in zip(parts, items, strict=True)
                    for pair in (item or [(1.0, 100)] * len(part.k))
                ]
            )
        else:
            values[f.name] = np.concatenate(items)
    return BatchFit(**values)  # type: ignore[arg-type]


def fit_in_blocks(
    yi: np.ndarray,
    vi: np.ndarray,
    n_rows: int,
    row_mask: Callable[[int, int], np.ndarray],
    method: str,
    test: str,
    pi: str = "hts",
    level: float = 95.0,
    q_profile: bool = False,
    block_entries: int = BLOCK_ENTRIES,
) -> BatchFit:
    """Fit ``n_rows`` subsets of one dataset, a block of rows at a time.

    Parameters
    ----------
    yi, vi
        The ``k`` effect sizes and variances shared by every row.
    n_rows
        Number of subsets (e.g. k for leave-one-out).
    row_mask
        ``row_mask(start, stop)`` gives the ``(stop - start, k)`` boolean mask of those rows.
    block_entries
        Upper bound on rows x k per block (at least one row per block); memory is
        ``O(block_entries + n_rows)`` instead of ``O(n_rows * k)``.
    """
    k = len(yi)
    per_block = max(1, block_entries // max(k, 1))
    parts = []
    for start in range(0, n_rows, per_block):
        stop = min(n_rows, start + per_block)
        mask = row_mask(start, stop)
        y = np.broadcast_to(yi, mask.shape)
        v = np.broadcast_to(vi, mask.shape)
        parts.append(fit_batch(y, v, mask, method, test, pi, level, q_profile=q_profile))
    return concat_fits(parts)
