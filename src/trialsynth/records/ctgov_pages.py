"""Reading the raw CT.gov snapshot: ``page-*.json`` response bodies ``{"studies": [...]}``.

Decisions on bad input (issue "parse stage", item 15):

* a page that is not valid JSON, not UTF-8, or not an object with a ``studies`` list ->
  :class:`~trialsynth.errors.InputError` naming the file and the line/column or byte offset;
* a field present with the wrong JSON type (``phases`` a string, ...) -> ``InputError`` naming
  the file, the NCT ID and the field path (:mod:`trialsynth.records.ctgov_flatten`);
* a study missing whole optional modules -> parsed, with empty cells;
* a study that is not a JSON object, or whose ``nctId`` is missing or not ``NCT`` + 8 digits ->
  skipped, counted, logged and listed (:class:`~trialsynth.records.skips.SkipLog`);
* the same NCT ID more than once (e.g. across pages) -> the version with the newest
  ``lastUpdatePostDate`` is kept (a missing date counts as oldest; on a tie the one met later
  in file order wins, as a later page comes from a later request); each one dropped is
  counted, logged and listed with the reason :data:`DUPLICATE_REASON`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from trialsynth.errors import InputError
from trialsynth.records.nct_ids import is_valid_nct_id
from trialsynth.records.raw_files import list_raw_files, read_utf8
from trialsynth.records.skips import SkipLog

log = logging.getLogger(__name__)

PAGE_GLOB = "page-*.json"


class RawStudy(NamedTuple):
    """One study of a raw page with a valid NCT ID."""

    path: Path
    position: int
    nct_id: str
    study: dict[str, Any]


def list_ctgov_pages(raw_dir: str | Path) -> list[Path]:
    """The ``page-*.json`` files of a raw CT.gov snapshot folder, in page order."""
    return list_raw_files(raw_dir, PAGE_GLOB, "ctgov")


def read_ctgov_page(path: Path) -> list[Any]:
    """The ``studies`` array of one page (elements unchecked).

    Raises
    ------
    InputError
        Not UTF-8 (byte offset), not JSON (line and column), or not ``{"studies": [...]}``.
    """
    text = read_utf8(path)
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            path=path,
            record=f"line {exc.lineno} column {exc.colno}",
            hint="the page is truncated or corrupt; re-run `trialsynth fetch ctgov`",
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("studies"), list):
        raise InputError(
            'not a CT.gov /studies response body: expected an object with a "studies" array',
            path=path,
            hint="raw pages hold the response body as received; re-run `trialsynth fetch ctgov`",
        )
    studies: list[Any] = body["studies"]
    return studies


def study_nct_id(study: dict[str, Any]) -> object:
    """``protocolSection.identificationModule.nctId`` or ``None`` when any level is absent."""
    section = study.get("protocolSection")
    module = section.get("identificationModule") if isinstance(section, dict) else None
    return module.get("nctId") if isinstance(module, dict) else None


def last_update_post_date(study: dict[str, Any]) -> str:
    """``lastUpdatePostDateStruct.date`` (ISO, sorts as text) or ``""`` when absent."""
    section = study.get("protocolSection") or {}
    status = section.get("statusModule") or {}
    date = (status.get("lastUpdatePostDateStruct") or {}).get("date")
    return date if isinstance(date, str) else ""


def iter_raw_studies(raw_dir: str | Path, skips: SkipLog | None = None) -> Iterator[RawStudy]:
    """Every study with a valid NCT ID, in file order, duplicates included.

    Studies that are not objects or lack a valid NCT ID are reported to ``skips`` (or only
    logged when ``skips`` is ``None``).
    """
    skips = skips if skips is not None else SkipLog()
    for path in list_ctgov_pages(raw_dir):
        studies = read_ctgov_page(path)
        log.debug("%s: %d studies", path.name, len(studies))
        for index, study in enumerate(studies):
            record = f"studies[{index}]"
            if not isinstance(study, dict):
                skips.skip(path.name, record, "study is not a JSON object")
                continue
            nct_id = study_nct_id(study)
            if nct_id is None:
                skips.skip(path.name, record, "missing NCT ID (identificationModule.nctId)")
                continue
            if not is_valid_nct_id(nct_id):
                skips.skip(path.name, f"{record} {nct_id!r}", "invalid NCT ID (not NCT + 8 digits)")
                continue
            yield RawStudy(path, index, str(nct_id), study)


class Version(NamedTuple):
    """Where one record of an NCT ID was met, and its last update date (``""`` if none)."""

    source_file: str
    position: int
    last_update: str


#: Reason listed for a superseded duplicate (a fixed text, so that skips count by reason).
DUPLICATE_REASON = "duplicate NCT ID; the record with the newest lastUpdatePostDate is kept"


def version_of(raw: RawStudy) -> Version:
    """The :class:`Version` of a raw study."""
    return Version(raw.path.name, raw.position, last_update_post_date(raw.study))


def supersedes(nct_id: str, kept: Version, candidate: Version, skips: SkipLog) -> bool:
    """Resolve a duplicate NCT ID; list the losing record in ``skips``.

    The newer ``lastUpdatePostDate`` wins (ISO dates compare as text; a missing date is
    oldest); on a tie the candidate, met later in file order, wins.

    Returns
    -------
    bool
        True when ``candidate`` replaces ``kept``.
    """
    replaces = candidate.last_update >= kept.last_update
    dropped, winner = (kept, candidate) if replaces else (candidate, kept)
    log.info(
        "%s: keeping %s studies[%d] (last update %s) over %s studies[%d] (last update %s)",
        nct_id,
        winner.source_file,
        winner.position,
        winner.last_update or "not stated",
        dropped.source_file,
        dropped.position,
        dropped.last_update or "not stated",
    )
    skips.skip(dropped.source_file, f"studies[{dropped.position}] {nct_id}", DUPLICATE_REASON)
    return replaces


def iter_ctgov_studies(
    raw_dir: str | Path, skips: SkipLog | None = None
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The raw study dicts of a snapshot, one per NCT ID, as ``(page path, study)``.

    The same rules as ``trialsynth parse ctgov`` apply (invalid IDs skipped, the newest
    version of a duplicated NCT ID kept), so stages reading raw JSON see exactly the studies
    of ``trials.csv``. Pages are read twice (an index of winners first) so that memory holds
    one page at a time.

    Parameters
    ----------
    raw_dir
        The raw CT.gov folder (``data/raw/ctgov``).
    skips
        Collects skipped records and superseded duplicates; ``None`` only logs them.

    Yields
    ------
    tuple of (pathlib.Path, dict)
        The page file and the study object as received from the CT.gov API v2.
    """
    skips = skips if skips is not None else SkipLog()
    winners: dict[str, Version] = {}
    for raw in iter_raw_studies(raw_dir, skips):
        here = version_of(raw)
        kept = winners.get(raw.nct_id)
        if kept is None or supersedes(raw.nct_id, kept, here, skips):
            winners[raw.nct_id] = here
    chosen = {(v.source_file, v.position) for v in winners.values()}
    for raw in iter_raw_studies(raw_dir, SkipLog(level=logging.DEBUG)):
        if (raw.path.name, raw.position) in chosen:
            yield raw.path, raw.study
