"""Typed links between registry records (NCT IDs) and publications (PMIDs).

Three kinds of evidence are kept, each as its own edge with its source:

``ctgov_reference``
    The registry record cites the PMID in ``referencesModule.references``; ``detail`` is the
    reference type (``RESULT``, ``BACKGROUND`` or ``DERIVED``; ClinicalTrials.gov data element
    definitions, "Citations"). Read from the ``references`` JSON of ``trials.csv``.
``pubmed_databank``
    The PubMed record lists the NCT ID in its ``DataBankList`` (DataBankName
    ClinicalTrials.gov; NLM "MEDLINE/PubMed XML element descriptions", SI field). Read from
    ``databank_nct_ids`` of ``articles.csv``; ``detail`` is ``DataBankList``.
``text_mention``
    The NCT ID is written in the title or abstract (the parse stage extracts it tolerantly and
    rejects malformed IDs into ``text_nct_ids``); ``detail`` is ``title`` or ``abstract``.

The table has one row per (nct_id, pmid, evidence), sorted, so the same inputs give the same
bytes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from trialsynth.errors import InputError

log = logging.getLogger(__name__)

LINK_COLUMNS = ["nct_id", "pmid", "evidence", "detail"]
EVIDENCE_KINDS = ("ctgov_reference", "pubmed_databank", "text_mention")
REFERENCE_TYPES = ("RESULT", "BACKGROUND", "DERIVED")

_PMID = re.compile(r"^[0-9]+$")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def split_cell(value: object) -> list[str]:
    """Items of a ``;``-joined cell; an empty or missing cell gives ``[]``."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return []
    return [item.strip() for item in str(value).split(";") if item.strip()]


def reference_links(trials: pd.DataFrame, path: str | Path | None = None) -> list[dict[str, str]]:
    """``ctgov_reference`` edges from the ``references`` JSON column of ``trials.csv``.

    A reference without a PMID (a citation only) gives no edge; a PMID that is not all digits
    is logged and skipped. A ``references`` cell that is not a JSON array is an input error.
    """
    edges: list[dict[str, str]] = []
    skipped = 0
    for nct_id, cell in zip(trials["nct_id"], trials["references"], strict=True):
        if cell is None or cell is pd.NA or (isinstance(cell, float) and pd.isna(cell)):
            continue
        try:
            refs = json.loads(str(cell))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"references is not valid JSON: {exc}",
                path=path,
                record=nct_id,
                hint="re-run `trialsynth parse ctgov` to regenerate trials.csv",
            ) from exc
        if not isinstance(refs, list):
            raise InputError(
                "references must be a JSON array of {pmid, type, citation}",
                path=path,
                record=nct_id,
                hint="re-run `trialsynth parse ctgov` to regenerate trials.csv",
            )
        for ref in refs:
            pmid = str(ref.get("pmid") or "").strip() if isinstance(ref, dict) else ""
            if not pmid:
                continue
            if not _PMID.match(pmid):
                skipped += 1
                log.warning("%s: reference PMID %r is not numeric; link skipped", nct_id, pmid)
                continue
            ref_type = str(ref.get("type") or "").strip().upper() or "UNSPECIFIED"
            edges.append(
                {"nct_id": nct_id, "pmid": pmid, "evidence": "ctgov_reference", "detail": ref_type}
            )
    if skipped:
        log.warning("%d registry reference(s) with a malformed PMID skipped", skipped)
    return edges


def _mention_field(nct_id: str, title: object) -> str:
    """``title`` when the ID is written in the title (spacing and punctuation ignored), else
    ``abstract``: the parse stage only looks in these two fields."""
    if isinstance(title, str) and nct_id in _NOT_ALNUM.sub("", title).upper():
        return "title"
    return "abstract"


def article_links(articles: pd.DataFrame) -> list[dict[str, str]]:
    """``pubmed_databank`` and ``text_mention`` edges from ``articles.csv``."""
    edges: list[dict[str, str]] = []
    rows = zip(
        articles["pmid"],
        articles["databank_nct_ids"],
        articles["text_nct_ids"],
        articles["title"],
        strict=True,
    )
    for pmid, databank, text, title in rows:
        for nct_id in split_cell(databank):
            edges.append(
                {
                    "nct_id": nct_id,
                    "pmid": pmid,
                    "evidence": "pubmed_databank",
                    "detail": "DataBankList",
                }
            )
        for nct_id in split_cell(text):
            edges.append(
                {
                    "nct_id": nct_id,
                    "pmid": pmid,
                    "evidence": "text_mention",
                    "detail": _mention_field(nct_id, title),
                }
            )
    return edges


def links_frame(edges: Iterable[dict[str, str]]) -> pd.DataFrame:
    """One row per (nct_id, pmid, evidence), sorted; repeated edges are kept once.

    When the same pair is cited twice by the registry with different types, the first type in
    the order RESULT, DERIVED, BACKGROUND is kept (the strongest claim).
    """
    df = pd.DataFrame(list(edges), columns=LINK_COLUMNS, dtype="string")
    if df.empty:
        return df
    rank = {"RESULT": 0, "DERIVED": 1, "BACKGROUND": 2}
    df["_rank"] = df["detail"].map(lambda d: rank.get(str(d), 3))
    df = df.sort_values(["nct_id", "pmid", "evidence", "_rank", "detail"], kind="stable")
    df = df.drop_duplicates(["nct_id", "pmid", "evidence"], keep="first")
    return df.drop(columns="_rank").reset_index(drop=True)


def build_links(
    trials: pd.DataFrame,
    articles: pd.DataFrame,
    *,
    trials_path: str | Path | None = None,
) -> pd.DataFrame:
    """All typed edges between the NCT IDs of ``trials`` and ``articles`` and the PMIDs.

    Parameters
    ----------
    trials
        ``trials.csv`` (needs ``nct_id`` and ``references``).
    articles
        ``articles.csv`` (needs ``pmid``, ``title``, ``databank_nct_ids``, ``text_nct_ids``).
    trials_path
        Path of ``trials.csv``, named in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``nct_id, pmid, evidence, detail`` (the ``links`` contract). Edges may point to
        records that were not retrieved (a registry citation of a PMID outside the search, or
        a publication naming an NCT ID outside it); they are kept, since they are evidence.
    """
    edges = reference_links(trials, trials_path) + article_links(articles)
    df = links_frame(edges)
    log.info(
        "%d link(s): %s",
        len(df),
        ", ".join(f"{k} {int((df['evidence'] == k).sum())}" for k in EVIDENCE_KINDS),
    )
    return df
