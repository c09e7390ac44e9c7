"""Coding of studies for drug, route, condition, psychotherapy, design and comparator, and of
every arm for the drug of the review and psychotherapy.

Public API: :func:`load_codebook`, :func:`code_study` (-> :class:`CodedStudy`),
:func:`code_arm_label` (free-text arm label -> :class:`ArmCoding`), and :func:`run_coding`
(what ``trialsynth code`` runs).
"""

from trialsynth.code.arms import ArmCoding, code_arm_label
from trialsynth.code.codebook import Codebook, load_codebook
from trialsynth.code.stage import run_coding
from trialsynth.code.study import FIELDS, CodedStudy, code_study

__all__ = [
    "FIELDS",
    "ArmCoding",
    "Codebook",
    "CodedStudy",
    "code_arm_label",
    "code_study",
    "load_codebook",
    "run_coding",
]
