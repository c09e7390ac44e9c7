"""Mantel-Haenszel pooled RR, OR and RD from the raw 2x2 counts (metafor ``rma.mh``).

Variances: Robins, Breslow & Greenland (1986) for log OR; Greenland & Robins (1985) for log RR;
Sato, Greenland & Robins (1989) for RD. No zero-cell addition is made;
tables that contribute nothing (double zero) drop out of the sums by themselves.

References
----------
Mantel, N. & Haenszel, W. (1959). *J Natl Cancer Inst* 22, 719-748.
Robins, J., Breslow, N. & Greenland, S. (1986). *Biometrics* 42, 311-323.
Greenland, S. & Robins, J. M. (1985). *Biometrics* 41, 55-68.
Sato, T., Greenland, S. & Robins, J. M. (1989). *Biometrics* 45, 1323-1324.
wviechtb/metafor ``R/rma.mh.r``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from trialsynth.meta.distributions import norm_isf, norm_sf


@dataclass(frozen=True)
class MantelHaenszel:
    """Pooled MH estimate (log scale for RR/OR) with se, CI and z-test p-value."""

    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    pval: float

    def as_dict(self) -> dict[str, float]:
        """The JSON ``mantel_haenszel`` object."""
        return asdict(self)


def mantel_haenszel(
    ai: np.ndarray,
    bi: np.ndarray,
    ci: np.ndarray,
    di: np.ndarray,
    measure: str,
    level: float = 95.0,
) -> MantelHaenszel:
    """Mantel-Haenszel estimate for ``measure`` in ``RR, OR, RD``."""
    ai, bi, ci, di = (np.asarray(x, dtype=float) for x in (ai, bi, ci, di))
    n1, n2 = ai + bi, ci + di
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            r = ai * di / n
            s = bi * ci / n
            p = (ai + di) / n
            q = (bi + ci) / n
            sr, ss = r.sum(), s.sum()
            est = np.log(sr / ss)
            var = (
                (p * r).sum() / (2 * sr**2)
                + (p * s + q * r).sum() / (2 * sr * ss)
                + (q * s).sum() / (2 * ss**2)
            )
        elif measure == "RR":
            r = ai * n2 / n
            s = ci * n1 / n
            sr, ss = r.sum(), s.sum()
            est = np.log(sr / ss)
            var = ((n1 * n2 * (ai + ci) - ai * ci * n) / n**2).sum() / (sr * ss)
        elif measure == "RD":
            w = n1 * n2 / n
            sw = w.sum()
            est = ((ai * n2 - ci * n1) / n).sum() / sw
            sato_p = ((n1**2 * ci - n2**2 * ai + n1 * n2 * (n2 - n1) / 2) / n**2).sum()
            sato_q = ((ai * (n2 - ci) + ci * (n1 - ai)) / (2 * n)).sum()
            var = (est * sato_p + sato_q) / sw**2
        else:
            raise ValueError(f"Mantel-Haenszel needs RR, OR or RD, not {measure!r}")
    se = float(np.sqrt(var))
    crit = norm_isf((1 - level / 100) / 2)
    z = est / se
    return MantelHaenszel(
        float(est),
        se,
        float(est - crit * se),
        float(est + crit * se),
        float(2 * norm_sf(abs(z))),
    )
