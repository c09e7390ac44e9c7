"""Parsing raw CT.gov JSON pages and PubMed efetch XML into flat tables (trials.csv, articles.csv).

Public API for other stages:

- :func:`iter_ctgov_studies` yields ``(page_path, study_dict)`` for the raw API v2 records;
- :func:`parse_ctgov` and :func:`parse_pubmed` return the ``trials.csv`` / ``articles.csv``
  tables as DataFrames (columns in docs/architecture.md);
- :func:`find_nct_ids` finds NCT IDs in free text.
"""

from trialsynth.parse.ctgov_pages import iter_ctgov_studies
from trialsynth.parse.ctgov_parse import parse_ctgov
from trialsynth.parse.nct_ids import find_nct_ids, is_valid_nct_id, normalise_nct_id
from trialsynth.parse.pubmed import parse_pubmed
from trialsynth.parse.skips import SkipLog

__all__ = [
    "SkipLog",
    "find_nct_ids",
    "is_valid_nct_id",
    "iter_ctgov_studies",
    "normalise_nct_id",
    "parse_ctgov",
    "parse_pubmed",
]
