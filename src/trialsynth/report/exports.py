"""Exports for reviewers' own tools: pooled results as CSV and included studies as RIS.

``pooled_results.csv`` has one row per analysis and per subgroup with the estimate on the
reporting scale, its CI and PI, heterogeneity and the settings used. ``included_studies.ris``
lists every report of an included study as RIS records (the reference-manager format): ``TY JOUR``
with ``AU``, ``TI``, ``JO``, ``PY``, ``AN`` (PMID), ``DO`` and the NCT ID in ``C1``; a registered
trial with no publication is ``TY DBASE`` with its registry title.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from trialsynth.formatting import finite
from trialsynth.meta.result import MetaResult

POOLED_COLUMNS = (
    "analysis", "subgroup", "outcome", "measure", "k", "estimate", "ci_lb", "ci_ub", "pi_lb",
    "pi_ub", "pval", "tau2", "I2", "Q", "Q_df", "Q_p", "method", "test", "pi", "level",
    "zero_cells",
)  # fmt: skip


def _back(result: MetaResult, value: Any) -> float | None:
    number = finite(value)
    return None if number is None else result.effect_measure().back_transform(number)


def pooled_rows(analysis: Mapping[str, Any], result: MetaResult) -> list[dict[str, Any]]:
    """The overall row and one row per subgroup of one analysis (reporting scale)."""
    settings = result.settings
    common = {
        "analysis": analysis["id"],
        "outcome": analysis.get("outcome", ""),
        "measure": result.effect_measure().short,
        "method": settings.get("method", ""),
        "test": settings.get("test", ""),
        "pi": settings.get("pi", ""),
        "level": settings.get("level", ""),
        "zero_cells": str(settings.get("zero_cells", "")),
    }
    pi_ok = result.k > 1
    rows = [
        {
            **common,
            "subgroup": "",
            "k": result.k,
            "estimate": _back(result, result.estimate),
            "ci_lb": _back(result, result.ci_lb),
            "ci_ub": _back(result, result.ci_ub),
            "pi_lb": _back(result, result.pi_lb) if pi_ok else None,
            "pi_ub": _back(result, result.pi_ub) if pi_ok else None,
            "pval": finite(result.pval),
            "tau2": finite(result.tau2),
            "I2": finite(result.I2),
            "Q": finite(result.Q),
            "Q_df": result.Q_df,
            "Q_p": finite(result.Q_p),
        }
    ]
    for name, fit in sorted(((result.subgroups or {}).get("subgroups") or {}).items()):
        rows.append(
            {
                **common,
                "subgroup": name,
                "k": fit.get("k"),
                "estimate": _back(result, fit.get("estimate")),
                "ci_lb": _back(result, fit.get("ci_lb")),
                "ci_ub": _back(result, fit.get("ci_ub")),
                "pval": finite(fit.get("pval")),
                "tau2": finite(fit.get("tau2")),
                "I2": finite(fit.get("I2")),
            }
        )
    return rows


def pooled_results_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows of :func:`pooled_rows` as a table with the export's columns in order."""
    return pd.DataFrame(list(rows), columns=list(POOLED_COLUMNS))


def _ris_escape(text: Any) -> str:
    return " ".join(str(text or "").split())


def ris_records(
    included: Sequence[Mapping[str, Any]],
    articles: Mapping[str, Mapping[str, Any]],
    trials: Mapping[str, Mapping[str, Any]],
) -> str:
    """RIS text for the reports of the included studies (rows of ``studies.csv``)."""
    lines: list[str] = []
    for study in included:
        nct_ids = [n for n in str(study.get("nct_ids") or "").split(";") if n]
        pmids = [p for p in str(study.get("pmids") or "").split(";") if p]
        for pmid in pmids:
            article = articles.get(pmid, {})
            lines.append("TY  - JOUR")
            # each author's whitespace collapsed in place (an author that is only whitespace
            # splits into nothing): the escape's text without a call per author
            for author in str(article.get("authors") or "").split("; "):
                name = " ".join(author.split())
                if name:
                    lines.append("AU  - " + name)
            lines.append(f"TI  - {_ris_escape(article.get('title'))}")
            if article.get("journal"):
                lines.append(f"JO  - {_ris_escape(article.get('journal'))}")
            if article.get("year"):
                lines.append(f"PY  - {article.get('year')}")
            lines.append(f"AN  - PMID:{pmid}")
            if article.get("doi"):
                lines.append(f"DO  - {_ris_escape(article.get('doi'))}")
            lines += [f"C1  - {nct}" for nct in nct_ids]
            lines += ["ER  - ", ""]
        if pmids:
            continue
        for nct in nct_ids:
            trial = trials.get(nct, {})
            lines.append("TY  - DBASE")
            lines.append(f"TI  - {_ris_escape(trial.get('brief_title'))}")
            lines.append("DB  - ClinicalTrials.gov")
            lines.append(f"AN  - {nct}")
            lines.append(f"C1  - {nct}")
            start = str(trial.get("start_date") or "")[:4]
            if start:
                lines.append(f"PY  - {start}")
            lines += ["ER  - ", ""]
    return "\n".join(lines)
