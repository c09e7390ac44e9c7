"""Screen: the protocol's eligibility rules and the reviewer's decisions per study, PRISMA counts.

Modules: :mod:`~trialsynth.screen.eligibility` (the protocol's rules), :mod:`~.overrides`
(reviewer decisions), :mod:`~.decisions` (one decision per study), :mod:`~.prisma` (flow
counts) and :mod:`~.cli` (``trialsynth screen``).
"""
