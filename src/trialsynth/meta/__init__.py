"""Meta-analysis engine: effect sizes, tau^2 estimators, tests, intervals, subgroups,
meta-regression and sensitivity analyses (numbers checked against R metafor).

Public API: :func:`trialsynth.meta.fit.fit_meta` (one table -> :class:`MetaResult`),
:func:`trialsynth.meta.batch.fit_batch` (many datasets at once) and
:func:`trialsynth.meta.regression.fit_meta_regression`.
"""
