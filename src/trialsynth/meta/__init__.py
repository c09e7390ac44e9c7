"""Meta-analysis engine: effect sizes, tau^2 estimators, tests, intervals, subgroups,
meta-regression and sensitivity analyses (numbers checked against R metafor).

Public API: :func:`fit_meta` (one table -> :class:`MetaResult`, ``.to_dict()`` is the JSON of
``trialsynth meta``), :func:`fit_moderated` (moderators, three-level model, cluster-robust tests;
``trialsynth meta --mods/--cluster/--robust``), :func:`predict` and :func:`linear_combination`
(metafor ``predict()`` and ``anova(model, X = L)``), :func:`fit_regression`,
:func:`fit_meta_regression` and :func:`fit_three_level` (array-level models) and
:func:`fit_batch` (many datasets at once, the engine behind every fit).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trialsynth.meta.batch import fit_batch
    from trialsynth.meta.effect_sizes import ZeroCellSettings
    from trialsynth.meta.fit import fit_meta, fit_regression
    from trialsynth.meta.moderated import fit_moderated
    from trialsynth.meta.multilevel import fit_three_level
    from trialsynth.meta.predict import linear_combination, predict
    from trialsynth.meta.regression import fit_meta_regression
    from trialsynth.meta.result import MetaResult

#: Public name -> module that defines it. Imported on first use, so a stage that needs only the
#: measure registry or the result type (outcomes, figures, report) does not load the engine.
_EXPORTS = {
    "MetaResult": "trialsynth.meta.result",
    "ZeroCellSettings": "trialsynth.meta.effect_sizes",
    "fit_batch": "trialsynth.meta.batch",
    "fit_meta": "trialsynth.meta.fit",
    "fit_meta_regression": "trialsynth.meta.regression",
    "fit_moderated": "trialsynth.meta.moderated",
    "fit_regression": "trialsynth.meta.fit",
    "fit_three_level": "trialsynth.meta.multilevel",
    "linear_combination": "trialsynth.meta.predict",
    "predict": "trialsynth.meta.predict",
}

__all__ = [
    "MetaResult",
    "ZeroCellSettings",
    "fit_batch",
    "fit_meta",
    "fit_meta_regression",
    "fit_moderated",
    "fit_regression",
    "fit_three_level",
    "linear_combination",
    "predict",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
