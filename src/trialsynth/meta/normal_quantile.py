"""The standard normal quantile ``ndtri`` (``scipy.special.ndtri``, Cephes) and the upper
quantile of t with one degree of freedom, without importing SciPy for the probabilities a run
asks for every time.

Importing ``scipy.special`` costs about 0.2 s of a job's start-up (it loads NumPy's whole
namespace, ``numpy.f2py`` and ``numpy.testing`` included). The report, the history and the
figure jobs need the normal quantile only at a few fixed probabilities: the two-sided critical
value of the usual confidence levels (``(1 - level / 100) / 2``) and the optimal information
size's ``alpha / 2`` and ``1 - power``, and the outcomes stage the upper quantile
``0.5 + level / 200`` of a reported confidence interval's level; the report's note on a k = 2
Knapp-Hartung interval needs the t quantile with 1 degree of freedom at the lower tails.
Their values, as SciPy computes them, are kept in :data:`KNOWN_NDTRI` and :data:`KNOWN_T1_ISF`
(``tests/unit/meta/test_normal_quantile.py`` checks every entry against SciPy, bit for bit);
any other probability is computed by SciPy.

References
----------
Moshier, S. L. (1989). *Methods and Programs for Mathematical Functions*; Cephes ``ndtri.c``,
the function ``scipy.special.ndtri`` wraps.
"""

from __future__ import annotations

import numpy as np

#: ``ndtri(q)`` as ``scipy.special.ndtri`` returns it, keyed by the exact float ``q`` the
#: package computes: ``(1 - level / 100) / 2`` for levels 80, 90, 95, 99 and 99.9 %,
#: ``0.05 / 2`` and ``1 - 0.8`` (the optimal information size's alpha and power), and
#: ``0.5 + level / 200`` for levels 90, 95 and 99 % (:func:`trialsynth.outcomes.effects.
#: normal_quantile`, a standard error from a reported confidence interval).
KNOWN_NDTRI: dict[float, float] = {
    0.0004999999999999449: -3.2905267314919255,
    0.0050000000000000044: -2.5758293035489004,
    0.025: -1.9599639845400545,
    0.025000000000000022: -1.959963984540054,
    0.04999999999999999: -1.6448536269514729,
    0.09999999999999998: -1.2815515655446004,
    0.19999999999999996: -0.8416212335729143,
    0.95: 1.6448536269514722,
    0.975: 1.959963984540054,
    0.995: 2.5758293035489004,
}


#: ``scipy.stats.t.isf(q, 1)`` (:func:`trialsynth.meta.distributions.t_isf`) at the lower-tail
#: keys of :data:`KNOWN_NDTRI`.
KNOWN_T1_ISF: dict[float, float] = {
    0.0004999999999999449: 636.6192487687897,
    0.0050000000000000044: 63.656741162871526,
    0.025: 12.706204736174705,
    0.025000000000000022: 12.706204736174694,
    0.04999999999999999: 6.313751514675045,
    0.09999999999999998: 3.0776835371752544,
    0.19999999999999996: 1.3763819204711738,
}


def ndtri(q: float) -> np.float64:
    """``scipy.special.ndtri(q)`` for a probability ``q`` (a NumPy float, as SciPy returns):
    from :data:`KNOWN_NDTRI` when ``q`` is one of its keys, else computed by SciPy."""
    known = KNOWN_NDTRI.get(float(q))
    if known is not None:
        return np.float64(known)
    from scipy import special  # imported on use: ~0.2 s of start-up

    return np.float64(special.ndtri(q))


def norm_isf(q: float) -> np.float64:
    """``scipy.stats.norm.isf(q)`` (:func:`trialsynth.meta.distributions.norm_isf`): ``-ndtri(q)``
    from :data:`KNOWN_NDTRI` (every key lies strictly between 0 and 1, where SciPy's masks
    change nothing), else computed by :mod:`trialsynth.meta.distributions`."""
    known = KNOWN_NDTRI.get(float(q))
    if known is not None:
        return np.float64(-known)
    from trialsynth.meta import distributions  # imports scipy.special

    return np.float64(distributions.norm_isf(q))


def t1_isf(q: float) -> np.float64:
    """``scipy.stats.t.isf(q, 1)`` (:func:`trialsynth.meta.distributions.t_isf` with one degree
    of freedom): from :data:`KNOWN_T1_ISF`, else computed by
    :mod:`trialsynth.meta.distributions`."""
    known = KNOWN_T1_ISF.get(float(q))
    if known is not None:
        return np.float64(known)
    from trialsynth.meta import distributions  # imports scipy.special

    return np.float64(distributions.t_isf(q, 1))
