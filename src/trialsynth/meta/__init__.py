"""Meta-analysis engine: effect sizes, tau^2 estimators, tests, intervals, subgroups,
meta-regression and sensitivity analyses (numbers checked against R metafor).

Public API: :func:`fit_meta` (one table -> :class:`MetaResult`, ``.to_dict()`` is the JSON of
``trialsynth meta``), :func:`fit_moderated` (moderators, three-level model, cluster-robust tests;
``trialsynth meta --mods/--cluster/--robust``), :func:`predict` (metafor ``predict()``),
:func:`fit_regression` / :func:`fit_meta_regression` / :func:`fit_three_level` (array-level
models) and :func:`fit_batch` (many datasets at once, the engine behind every fit).
"""

from trialsynth.meta.batch import fit_batch
from trialsynth.meta.effect_sizes import ZeroCellSettings
from trialsynth.meta.fit import fit_meta, fit_regression
from trialsynth.meta.moderated import fit_moderated
from trialsynth.meta.multilevel import fit_three_level
from trialsynth.meta.predict import predict
from trialsynth.meta.regression import fit_meta_regression
from trialsynth.meta.result import MetaResult

__all__ = [
    "MetaResult",
    "ZeroCellSettings",
    "fit_batch",
    "fit_meta",
    "fit_meta_regression",
    "fit_moderated",
    "fit_regression",
    "fit_three_level",
    "predict",
]
