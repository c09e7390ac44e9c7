"""``trials.csv``: one row per NCT ID from a raw CT.gov snapshot."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from trialsynth.parse.collector import cyclic_gc_paused
from trialsynth.parse.ctgov_flatten import TRIAL_COLUMNS, flatten_study
from trialsynth.parse.ctgov_pages import Version, iter_raw_studies, supersedes, version_of
from trialsynth.parse.frames import rows_to_frame, write_contract_csv
from trialsynth.parse.posted_results import posted_result_line
from trialsynth.parse.skips import SkipLog

log = logging.getLogger(__name__)

TRIALS_SCHEMA = "trials"


class ParsedCtgov(NamedTuple):
    """What one pass over a raw CT.gov snapshot gives: the trials table and the posted
    results of the same studies (:mod:`trialsynth.parse.posted_results`)."""

    trials: pd.DataFrame
    #: The posted-results line (:func:`trialsynth.parse.posted_results.posted_result_line`)
    #: of every kept study, in file order of the kept versions (as
    #: :func:`trialsynth.parse.ctgov_pages.newest_values` orders them).
    posted_results: list[str]


def parse_ctgov(raw_dir: str | Path, skips: SkipLog | None = None) -> pd.DataFrame:
    """Parse every ``page-*.json`` of ``raw_dir`` into the ``trials.csv`` table.

    Parameters
    ----------
    raw_dir
        Raw CT.gov snapshot folder (layout in docs/architecture.md).
    skips
        Collects skipped studies (invalid or missing NCT ID, not an object, superseded
        duplicate); ``None`` only logs them.

    Returns
    -------
    pandas.DataFrame
        One row per NCT ID, sorted by NCT ID, columns
        :data:`~trialsynth.parse.ctgov_flatten.TRIAL_COLUMNS`; ``enrollment`` is ``Int64``,
        ``has_results`` ``boolean``, the rest ``string`` (missing = ``<NA>``).

    Raises
    ------
    InputError
        A page that is not UTF-8, not JSON or not a ``{"studies": [...]}`` body.

    Notes
    -----
    Duplicates keep the newest ``lastUpdatePostDate`` (see
    :mod:`trialsynth.parse.ctgov_pages`); each one dropped is counted, logged and listed.
    """
    return parse_ctgov_snapshot(raw_dir, skips).trials


def parse_ctgov_snapshot(raw_dir: str | Path, skips: SkipLog | None = None) -> ParsedCtgov:
    """:func:`parse_ctgov`, and the posted results of the same studies, in one pass.

    Every page is decoded once; each kept study gives its ``trials.csv`` row and the line of
    its posted results (:func:`trialsynth.parse.posted_results.posted_result_line`). The
    cyclic garbage collector is paused meanwhile (:func:`~.collector.cyclic_gc_paused`).
    """
    skips = skips if skips is not None else SkipLog()
    skipped_before = len(skips)
    rows: dict[str, dict[str, object]] = {}
    posted: dict[str, tuple[int, str]] = {}
    winners: dict[str, Version] = {}
    duplicates = 0
    with cyclic_gc_paused():
        for order, raw in enumerate(iter_raw_studies(raw_dir, skips)):
            here = version_of(raw)
            kept = winners.get(raw.nct_id)
            if kept is not None:
                duplicates += 1
                if not supersedes(raw.nct_id, kept, here, skips):
                    continue
            winners[raw.nct_id] = here
            rows[raw.nct_id] = flatten_study(raw.study, raw.path.name, raw.path)
            posted[raw.nct_id] = (order, posted_result_line(raw.path.name, raw.study))
    log.info(
        "CT.gov: %d trials; skipped %d superseded duplicate(s) and %d invalid record(s)",
        len(rows),
        duplicates,
        len(skips) - skipped_before - duplicates,
    )
    ordered = (rows[nct_id] for nct_id in sorted(rows))
    trials = rows_to_frame(
        ordered, TRIAL_COLUMNS, integer_columns=("enrollment",), boolean_columns=("has_results",)
    )
    in_file_order = sorted(posted.values(), key=lambda item: item[0])
    return ParsedCtgov(trials, [line for _, line in in_file_order])


def write_trials(df: pd.DataFrame, target: str | os.PathLike[str]) -> None:
    """Validate ``df`` against ``trials.schema.json`` and write it atomically."""
    write_contract_csv(df, target, TRIALS_SCHEMA, boolean_columns=("has_results",))
