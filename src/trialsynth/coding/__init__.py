"""Coding of studies for drug, route, condition, psychotherapy, design and comparator.

Public API: :func:`load_codebook`, :func:`code_study` (-> :class:`CodedStudy`), and
:func:`run_coding` (what ``trialsynth code`` runs).
"""

from trialsynth.coding.codebook import Codebook, load_codebook
from trialsynth.coding.stage import run_coding
from trialsynth.coding.study import FIELDS, CodedStudy, code_study

__all__ = ["FIELDS", "Codebook", "CodedStudy", "code_study", "load_codebook", "run_coding"]
