"""Run history of a living review: a compact record per snapshot and what changed between runs
(``trialsynth history``, ``trialsynth diff``)."""
