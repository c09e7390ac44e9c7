"""Coding of studies for drug, route, condition, psychotherapy, design and comparator, and of
every arm for the drug of the review and psychotherapy.

Public API: :func:`load_codebook`, :func:`code_study` (-> :class:`CodedStudy`),
:func:`code_arm_label` (free-text arm label -> :class:`ArmCoding`), and :func:`run_coding`
(what ``trialsynth code`` runs).

The names are imported from their modules on first use (PEP 562), so a stage that needs only
the codebook and the arm coder (``outcomes``) does not load the coding stage and its readers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trialsynth.code.arms import ArmCoding, code_arm_label
    from trialsynth.code.codebook import Codebook, load_codebook
    from trialsynth.code.stage import run_coding
    from trialsynth.code.study import FIELDS, CodedStudy, code_study

#: Public name -> module that defines it.
_EXPORTS = {
    "FIELDS": "trialsynth.code.study",
    "ArmCoding": "trialsynth.code.arms",
    "Codebook": "trialsynth.code.codebook",
    "CodedStudy": "trialsynth.code.study",
    "code_arm_label": "trialsynth.code.arms",
    "code_study": "trialsynth.code.study",
    "load_codebook": "trialsynth.code.codebook",
    "run_coding": "trialsynth.code.stage",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
