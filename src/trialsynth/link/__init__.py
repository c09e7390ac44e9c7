"""Link: registry and publication records joined into studies.

Modules: :mod:`~trialsynth.link.links` (typed NCT-PMID edges), :mod:`~.grouping` (records
grouped into studies), :mod:`~.labels` (author-year labels of studies, used by the figures and
the report) and :mod:`~.cli` (``trialsynth link``).
"""
