"""The one registry of effect measures: what each measure reads, how it is shown and tested.

Every stage asks this module about a measure (outcomes: which columns to build; meta: which
columns to validate, whether Mantel-Haenszel applies; figures and report: back-transform, line of
no effect, axis and "favours" labels). No other module lists measure names.

Measures (metafor ``escalc`` names and columns):

========  =====================================  ==================================  ==========
name      what                                   columns                             scale
========  =====================================  ==================================  ==========
``RR``    risk ratio                             ``ai, bi, ci, di``                  log
``OR``    odds ratio                             ``ai, bi, ci, di``                  log
``RD``    risk difference                        ``ai, bi, ci, di``                  identity
``MD``    mean difference (raw units)            ``m1i, sd1i, n1i, m2i, sd2i, n2i``  identity
``SMD``   standardised mean difference (g)       ``m1i, sd1i, n1i, m2i, sd2i, n2i``  identity
``PLO``   single-arm proportion (logit)          ``xi, ni``                          logit
``GEN``   precomputed effect and variance        ``yi, vi``                          from label
========  =====================================  ==================================  ==========

``GEN`` rows carry an effect computed elsewhere (a hazard ratio, an SMD reported with its CI).
Its label says how to show it: ``"log HR"`` (any label starting with ``log``) is analysed on the
log scale and reported exponentiated as ``HR``; any other label (``"SMD"``, ``"MD"``) is shown
as is. See :func:`measure_for`.

References
----------
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *J Stat Softw*
36(3) (``escalc`` measures, ``forest(atransf=exp)``). Higgins, J. P. T. et al. (eds.), *Cochrane
Handbook* (2023), chapter 6 (effect measures) and 10.4.1 (Mantel-Haenszel for RR, OR, RD).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from trialsynth.errors import InputError

#: Data kinds: two-arm counts, two-arm means, single-arm counts, precomputed yi/vi.
BINARY, CONTINUOUS, SINGLE_ARM, PRECOMPUTED = "binary", "continuous", "single_arm", "precomputed"

#: Default "favours" labels (left of the null, right of the null) when higher values mean benefit
#: of the experimental arm; an analysis of a harmful outcome swaps them.
FAVOURS = ("Favours control", "Favours experimental")


def _identity(x: float) -> float:
    return x


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class Measure:
    """One effect measure.

    Attributes
    ----------
    name
        Registry key (metafor ``measure``).
    title
        Plain name, e.g. ``"Risk ratio"``; ``short`` is the label in tables (``"RR"``).
    columns
        Input columns in metafor names.
    kind
        ``binary``, ``continuous``, ``single_arm`` or ``precomputed``.
    log_scale
        Analysed on the log scale (ratio measures): pooled values are exponentiated for reporting.
    transform, back_transform
        Reporting scale -> analysis scale and back (e.g. ``log`` / ``exp``).
    null
        Value of no effect on the analysis scale (``None`` when there is none, e.g. proportions).
    axis_label
        Axis title of a forest plot.
    favours
        Labels left and right of the null on a forest plot.
    mantel_haenszel
        Whether the Mantel-Haenszel fixed-effect estimate applies (two-arm counts).
    from_arms
        Whether the outcome stage builds its columns from arm-level records.
    """

    name: str
    title: str
    short: str
    columns: tuple[str, ...]
    kind: str
    log_scale: bool
    transform: Callable[[float], float]
    back_transform: Callable[[float], float]
    null: float | None
    axis_label: str
    favours: tuple[str, str] = FAVOURS
    mantel_haenszel: bool = False
    from_arms: bool = True

    def format_effect(self, value: float, lower: float, upper: float, digits: int = 2) -> str:
        """``"1.23 [0.98, 1.55]"`` on the reporting scale."""
        b = self.back_transform
        return f"{b(value):.{digits}f} [{b(lower):.{digits}f}, {b(upper):.{digits}f}]"


_COUNTS = ("ai", "bi", "ci", "di")
_MEANS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")

MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "RR", "Risk ratio", "RR", _COUNTS, BINARY, True, math.log, math.exp, 0.0,
            "Risk ratio (log scale)", mantel_haenszel=True,
        ),
        Measure(
            "OR", "Odds ratio", "OR", _COUNTS, BINARY, True, math.log, math.exp, 0.0,
            "Odds ratio (log scale)", mantel_haenszel=True,
        ),
        Measure(
            "RD", "Risk difference", "RD", _COUNTS, BINARY, False, _identity, _identity, 0.0,
            "Risk difference", mantel_haenszel=True,
        ),
        Measure(
            "MD", "Mean difference", "MD", _MEANS, CONTINUOUS, False, _identity, _identity, 0.0,
            "Mean difference",
        ),
        Measure(
            "SMD", "Standardised mean difference", "SMD", _MEANS, CONTINUOUS, False, _identity,
            _identity, 0.0, "Standardised mean difference (Hedges' g)",
        ),
        Measure(
            "PLO", "Proportion", "Proportion", ("xi", "ni"), SINGLE_ARM, False, _logit, _expit,
            None, "Proportion (logit scale)", favours=("", ""),
        ),
        Measure(
            "GEN", "Effect size", "Effect", ("yi", "vi"), PRECOMPUTED, False, _identity,
            _identity, 0.0, "Effect size", from_arms=False,
        ),
    )
}  # fmt: skip

#: Measure names in registry order (for argument choices and schemas).
MEASURE_NAMES: tuple[str, ...] = tuple(MEASURES)

#: Every input column any measure reads that holds a count (must be a non-negative number).
COUNT_COLUMNS = frozenset({"ai", "bi", "ci", "di", "xi", "ni", "n1i", "n2i"})


#: Effects reported by publications (with a CI) that enter a ``GEN`` analysis: the registry's
#: measures plus those no arm-level table gives. Ratios are pooled on the log scale.
REPORTED_EFFECTS: dict[str, bool] = {
    **{name: m.log_scale for name, m in MEASURES.items() if m.kind in (BINARY, CONTINUOUS)},
    "HR": True,
}
#: Reported effects analysed on the log scale (``yi = log(effect)``).
RATIO_EFFECTS = frozenset(name for name, ratio in REPORTED_EFFECTS.items() if ratio)

#: How curated sheets spell the reported effects (lower case, single spaces) -> their code.
EFFECT_SPELLINGS: dict[str, str] = {
    "hr": "HR",
    "hazard ratio": "HR",
    "or": "OR",
    "odds ratio": "OR",
    "rr": "RR",
    "risk ratio": "RR",
    "relative risk": "RR",
    "rd": "RD",
    "risk difference": "RD",
    "risk difference per 100": "RD",
    "risk difference (percentage points)": "RD",
    "md": "MD",
    "mean difference": "MD",
    "ls mean difference": "MD",
    "smd": "SMD",
    "cohen d": "SMD",
    "hedges g": "SMD",
}


def treated_risk(name: str, effect: float, control_risk: float) -> float:
    """The risk in the treated group implied by ``effect`` (reporting scale) at
    ``control_risk``, as GRADE's summary-of-findings tables compute absolute effects
    (Guyatt et al. 2013, J Clin Epidemiol 66:158-172): odds ratios through the control odds,
    risk differences added, risk ratios multiplied."""
    if name == "OR":
        odds = effect * control_risk / (1 - control_risk)
        return odds / (1 + odds)
    if name == "RD":
        return control_risk + effect
    return control_risk * effect


def gen_label(effect: str) -> str:
    """The ``GEN`` ``measure_label`` of a reported effect: ``"log HR"`` for ratios, else the code.

    Raises
    ------
    InputError
        For an effect code this registry does not know.
    """
    if effect not in REPORTED_EFFECTS:
        raise InputError(
            f"unknown reported effect {effect!r}",
            hint=f"use one of {', '.join(REPORTED_EFFECTS)}",
        )
    return f"log {effect}" if REPORTED_EFFECTS[effect] else effect


def measure_names(*kinds: str) -> tuple[str, ...]:
    """Names of the measures of the given data kinds, in registry order."""
    return tuple(name for name, m in MEASURES.items() if m.kind in kinds)


def get_measure(name: str, path: object | None = None) -> Measure:
    """The registry entry of ``name``; :class:`InputError` naming the known measures otherwise."""
    try:
        return MEASURES[name]
    except KeyError:
        raise InputError(
            f"unknown measure {name!r}", path=path, hint=f"use one of {', '.join(MEASURE_NAMES)}"
        ) from None


def measure_for(name: str, label: str | None = None) -> Measure:
    """The measure as shown for an analysis, with the ``GEN`` label applied.

    Parameters
    ----------
    name
        Registry name (``RR``, ``SMD``, ``GEN``, ...).
    label
        Only for ``GEN``: what the precomputed ``yi`` are. ``"log HR"`` (a label starting with
        ``log``) means ratios analysed on the log scale, shown exponentiated as ``HR`` with the
        null at log(1) = 0; another label (``"SMD"``, ``"MD"``) is shown on its own scale.

    Examples
    --------
    >>> measure_for("GEN", "log HR").format_effect(0.0, -0.5, 0.5)
    '1.00 [0.61, 1.65]'
    """
    measure = get_measure(name)
    if measure.name != "GEN" or not label or not label.strip():
        return measure
    text = label.strip()
    parts = text.split(None, 1)
    if len(parts) == 2 and parts[0].lower() == "log":
        ratio = parts[1]
        return replace(
            measure,
            title=ratio,
            short=ratio,
            log_scale=True,
            transform=math.log,
            back_transform=math.exp,
            axis_label=f"{ratio} (log scale)",
        )
    return replace(measure, title=text, short=text, axis_label=text)
