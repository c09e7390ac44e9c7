"""Meta-analysis engine: effect sizes, tau^2 estimators, tests, intervals, subgroups,
meta-regression and sensitivity analyses (numbers checked against R metafor).

Public API: :func:`fit_meta` (one table -> :class:`MetaResult`, ``.to_dict()`` is the JSON of
``trialsynth meta``), :func:`fit_regression` / :func:`fit_meta_regression` (moderators) and
:func:`fit_batch` (many datasets at once, the engine behind every fit).
"""

from trialsynth.meta.batch import fit_batch
from trialsynth.meta.effect_sizes import ZeroCellSettings
from trialsynth.meta.fit import fit_meta, fit_regression
from trialsynth.meta.regression import fit_meta_regression
from trialsynth.meta.result import MetaResult

__all__ = [
    "MetaResult",
    "ZeroCellSettings",
    "fit_batch",
    "fit_meta",
    "fit_meta_regression",
    "fit_regression",
]
