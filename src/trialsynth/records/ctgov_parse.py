"""``trials.csv``: one row per NCT ID from a raw CT.gov snapshot."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from trialsynth.records.ctgov_flatten import TRIAL_COLUMNS, flatten_study
from trialsynth.records.ctgov_pages import is_newer, iter_raw_studies, last_update_post_date
from trialsynth.records.frames import rows_to_frame, write_contract_csv
from trialsynth.records.skips import SkipLog

log = logging.getLogger(__name__)

TRIALS_SCHEMA = "trials"


def parse_ctgov(raw_dir: str | Path, skips: SkipLog | None = None) -> pd.DataFrame:
    """Parse every ``page-*.json`` of ``raw_dir`` into the ``trials.csv`` table.

    Parameters
    ----------
    raw_dir
        Raw CT.gov snapshot folder (layout in docs/architecture.md).
    skips
        Collects skipped studies (invalid or missing NCT ID, not an object).

    Returns
    -------
    pandas.DataFrame
        One row per NCT ID, sorted by NCT ID, columns
        :data:`~trialsynth.records.ctgov_flatten.TRIAL_COLUMNS`; ``enrollment`` is ``Int64``,
        ``has_results`` ``boolean``, the rest ``string`` (missing = ``<NA>``).

    Raises
    ------
    InputError
        A page that is not UTF-8, not JSON or not a ``{"studies": [...]}`` body.

    Notes
    -----
    Duplicates keep the newest ``lastUpdatePostDate`` (see
    :mod:`trialsynth.records.ctgov_pages`); each one dropped is counted and logged.
    """
    skips = skips if skips is not None else SkipLog()
    skipped_before = len(skips)
    rows: dict[str, dict[str, object]] = {}
    dates: dict[str, dict[str, object]] = {}
    duplicates = 0
    for raw in iter_raw_studies(raw_dir, skips):
        kept = dates.get(raw.nct_id)
        if kept is not None:
            duplicates += 1
            if not is_newer(raw.study, kept):
                log.info(
                    "duplicate %s in %s (last update %s): older than the one kept, ignored",
                    raw.nct_id,
                    raw.path.name,
                    last_update_post_date(raw.study) or "not stated",
                )
                continue
            log.info(
                "duplicate %s in %s (last update %s): replaces the one from %s",
                raw.nct_id,
                raw.path.name,
                last_update_post_date(raw.study) or "not stated",
                rows[raw.nct_id]["source_file"],
            )
        dates[raw.nct_id] = _date_stub(raw.study)
        rows[raw.nct_id] = flatten_study(raw.study, raw.path.name, raw.path)
    log.info(
        "CT.gov: %d trials, %d duplicate record(s) resolved, %d record(s) skipped",
        len(rows),
        duplicates,
        len(skips) - skipped_before,
    )
    ordered = (rows[nct_id] for nct_id in sorted(rows))
    return rows_to_frame(
        ordered, TRIAL_COLUMNS, integer_columns=("enrollment",), boolean_columns=("has_results",)
    )


def _date_stub(study: dict[str, object]) -> dict[str, object]:
    """The part of a study :func:`is_newer` reads, so the full object need not be kept."""
    section = study.get("protocolSection")
    status = section.get("statusModule") if isinstance(section, dict) else None
    return {"protocolSection": {"statusModule": status if isinstance(status, dict) else {}}}


def write_trials(df: pd.DataFrame, target: str | os.PathLike[str]) -> None:
    """Validate ``df`` against ``trials.schema.json`` and write it atomically."""
    write_contract_csv(df, target, TRIALS_SCHEMA, boolean_columns=("has_results",))
