"""trialsynth: a reproducible evidence-synthesis pipeline.

Each stage of the pipeline is one sub-package (``fetch``, ``parse``, ``link``/``screen``,
``code``, ``outcomes``, ``meta``, ``figures``, ``report``) and one ``trialsynth`` subcommand.
"""

__version__ = "0.1.0"
