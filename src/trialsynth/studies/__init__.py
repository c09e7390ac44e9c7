"""Studies: links between registry and publication records, studies, screening, PRISMA counts.

Modules: :mod:`~trialsynth.studies.links` (typed NCT-PMID edges), :mod:`~.studies` (grouping
records into studies), :mod:`~.eligibility` (the protocol's rules), :mod:`~.overrides`
(reviewer decisions), :mod:`~.screen` (decisions per study), :mod:`~.prisma` (flow counts) and
:mod:`~.cli` (``trialsynth link`` and ``trialsynth screen``).
"""
