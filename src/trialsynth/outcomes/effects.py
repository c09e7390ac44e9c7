"""Precomputed effects (an estimate with its confidence interval) as ``yi``/``vi`` for ``GEN``.

Ratio measures (HR, OR, RR) are pooled on the log scale, with the standard error from the CI,
``se = (log(upper) - log(lower)) / (2 z)``, and ``yi`` the midpoint of the CI on the log scale,
``(log(lower) + log(upper)) / 2``, when that midpoint printed to the estimate's digits is the
printed estimate (the estimate was rounded for print; the midpoint reproduces estimate and CI
alike), else ``yi = log(effect)``; difference measures (MD, SMD, RD)
on their own scale, ``se = (upper - lower) / (2 z)``, with ``z`` the normal quantile of the
stated level (1.959964 for 95 %). ``vi = se^2``.

References
----------
Higgins JPT, Li T, Deeks JJ (eds). Chapter 6, section 6.3.1 (obtaining standard errors from
confidence intervals and P values: absolute (difference) measures) and 6.3.2 (ratio measures).
Cochrane Handbook for Systematic Reviews of Interventions, version 6.5, 2024.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from trialsynth.meta.measures import EFFECT_SPELLINGS, RATIO_EFFECTS
from trialsynth.meta.normal_quantile import ndtri
from trialsynth.outcomes.derive import decimals_of

#: Reported effects pooled on the log scale (the measure registry's ratios, and HR).
RATIO_MEASURES = RATIO_EFFECTS


def effect_measure_code(text: str | None) -> str | None:
    """``"hazard ratio"`` -> ``"HR"``; ``None`` for a blank cell.

    Raises
    ------
    ValueError
        For a measure this module does not know (the caller names the row).
    """
    if text is None or not text.strip():
        return None
    code = EFFECT_SPELLINGS.get(" ".join(text.lower().split()))
    if code is None:
        raise ValueError(
            f"unknown effect measure {text!r}; use one of {sorted(set(EFFECT_SPELLINGS.values()))}"
        )
    return code


@dataclass(frozen=True)
class GenEffect:
    """``yi``/``vi`` of one precomputed effect and how they were obtained."""

    yi: float
    vi: float
    derivation: str


def normal_quantile(p: float) -> float:
    """The standard normal quantile of ``p``, ``scipy.special.ndtri(p)`` (Cephes ``ndtri``;
    scipy.stats.norm.ppf is the same function): the usual confidence levels' quantiles are kept
    constants (:data:`trialsynth.meta.normal_quantile.KNOWN_NDTRI`, no SciPy import), any other
    level is computed by SciPy."""
    return float(ndtri(p))


def gen_from_ci(
    measure: str,
    effect: float,
    lower: float,
    upper: float,
    level: float = 95.0,
    printed: str | None = None,
) -> GenEffect:
    """``yi`` and ``vi`` of an effect with its confidence interval (module docstring).

    ``printed`` is the estimate as printed (its digits decide whether the CI's midpoint
    reproduces it); without it ``yi = log(effect)``.

    Raises
    ------
    ValueError
        When the interval does not contain the estimate, or a ratio is not positive.
    """
    if not lower <= effect <= upper:
        raise ValueError(f"the CI {lower}..{upper} does not contain the estimate {effect}")
    z = normal_quantile(0.5 + level / 200)
    if measure in RATIO_MEASURES:
        if min(effect, lower) <= 0:
            raise ValueError(f"a {measure} and its CI must be positive ({effect}, {lower})")
        midpoint = (math.log(lower) + math.log(upper)) / 2
        if printed is not None and round(math.exp(midpoint), decimals_of(printed)) == effect:
            yi = midpoint
            what = (
                f"yi = (log({lower:g}) + log({upper:g})) / 2 = {yi:.6f} (midpoint of the CI; "
                f"exp = {math.exp(yi):.4f} prints as the published {printed})"
            )
        else:
            yi = math.log(effect)
            what = f"yi = log({measure} {effect:g}) = {yi:.6f}"
        se = (math.log(upper) - math.log(lower)) / (2 * z)
        how = (
            f"{what}; se = (log({upper:g}) - log({lower:g})) / (2 x {z:.6f}) = {se:.6f}; "
            f"vi = se^2 = {se * se:.6f}"
        )
    else:
        yi = effect
        se = (upper - lower) / (2 * z)
        how = (
            f"yi = {measure} {effect:g}; se = ({upper:g} - {lower:g}) / (2 x {z:.6f}) = "
            f"{se:.6f}; vi = se^2 = {se * se:.6f}"
        )
    return GenEffect(yi=yi, vi=se * se, derivation=how)
