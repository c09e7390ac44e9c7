"""Registry-publication gap: completed trials with neither posted results nor a publication.

A registered trial is in the gap when its status is COMPLETED, its completion date is more than
12 months before the registry snapshot (the time FDAAA 801 and the WHO joint statement allow for
posting results), the registry shows no posted results (``has_results`` not ``true``) and no
publication is linked to its study (``studies.csv`` ``pmids`` empty). Trials whose completion
date is not stated are counted apart, never guessed.

The lead sponsor's class is read from its name (``industry`` for company forms such as Inc,
LLC, Ltd, GmbH, Pharma; ``government`` for national institutes, veterans' and health
departments; otherwise ``academic or other``) because the registry snapshot does not always
carry the class; the report says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

GRACE_DAYS = 365
_INDUSTRY = re.compile(
    r"\b(?:inc|llc|ltd|limited|gmbh|ag|plc|corp|corporation|co|s\.?a|k\.?k|nv|b\.?v|pharma\w*|"
    r"therapeutics|biosciences?|biotech\w*|laborator(?:y|ies)|health|neuroscience)\b\.?",
    re.IGNORECASE,
)
_GOVERNMENT = re.compile(
    r"national institute|\bnih\b|\bnimh\b|veterans|\bva\b|department of|ministry|"
    r"government|federal",
    re.IGNORECASE,
)
_ACADEMIC = re.compile(r"universit|hospital|institute|college|school|clinic|centre|center", re.I)


def sponsor_class(name: str) -> str:
    """``industry``, ``government``, ``academic or other`` or ``not stated`` from a name."""
    text = (name or "").strip()
    if not text:
        return "not stated"
    if _GOVERNMENT.search(text):
        return "government"
    if _ACADEMIC.search(text):
        return "academic or other"
    if _INDUSTRY.search(text):
        return "industry"
    return "academic or other"


def parse_date(text: str) -> date | None:
    """``YYYY-MM-DD`` or ``YYYY-MM`` (the month's last day is not needed: its first is used)."""
    parts = (text or "").strip().split("-")
    try:
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 2:
            return date(int(parts[0]), int(parts[1]), 1)
    except ValueError:
        return None
    return None


@dataclass
class RegistryGap:
    """Trials in the gap, with counts by sponsor class and completion year."""

    snapshot: date
    trials: list[dict[str, Any]] = field(default_factory=list)
    completed_checked: int = 0
    no_completion_date: list[str] = field(default_factory=list)

    def by_sponsor_class(self) -> dict[str, int]:
        """Trials in the gap per sponsor class."""
        return dict(sorted(Counter(t["sponsor_class"] for t in self.trials).items()))

    def by_year(self) -> dict[str, int]:
        """Trials in the gap per completion year."""
        return dict(sorted(Counter(t["completion_date"][:4] for t in self.trials).items()))


def registry_gap(
    trials: Iterable[Mapping[str, Any]],
    published: Mapping[str, bool],
    snapshot: date,
) -> RegistryGap:
    """Find the completed trials without results or publication (module docstring rules).

    Parameters
    ----------
    trials
        Rows of ``trials.csv``.
    published
        ``nct_id -> True`` when a publication is linked to the trial's study.
    snapshot
        The registry snapshot's date.
    """
    gap = RegistryGap(snapshot=snapshot)
    for trial in sorted(trials, key=lambda t: str(t.get("nct_id"))):
        if str(trial.get("overall_status", "")).upper() != "COMPLETED":
            continue
        nct_id = str(trial["nct_id"])
        completed = parse_date(str(trial.get("completion_date") or ""))
        if completed is None:
            gap.no_completion_date.append(nct_id)
            continue
        gap.completed_checked += 1
        if (snapshot - completed).days <= GRACE_DAYS:
            continue
        if str(trial.get("has_results", "")).lower() == "true" or published.get(nct_id):
            continue
        sponsor = str(trial.get("lead_sponsor") or "")
        gap.trials.append(
            {
                "nct_id": nct_id,
                "title": str(trial.get("brief_title") or ""),
                "completion_date": str(trial.get("completion_date")),
                "months_since": (snapshot - completed).days * 12 // 365,
                "has_results": str(trial.get("has_results") or "not stated"),
                "lead_sponsor": sponsor or "not stated",
                "sponsor_class": sponsor_class(sponsor),
            }
        )
    return gap
