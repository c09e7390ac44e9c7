"""The one reader of CT.gov API v2 records, used by every stage (parse, coding, outcomes).

Inputs: a raw snapshot folder (``page-*.json`` response bodies ``{"studies": [...]}``, checked
against the folder's ``manifest.json``), a folder of single-study files
(``{"protocolSection": ...}``), or such files named one by one.

Decisions on bad input (issue "parse stage", item 15; issue 8, items 5, 6 and 9):

* a page that is not valid JSON, not UTF-8, or not an object with a ``studies`` list ->
  :class:`~trialsynth.errors.InputError` naming the file and the line/column or byte offset;
* a page that differs from its sha256 in the snapshot's manifest, or is not listed there ->
  ``InputError`` naming the file and the fix (:mod:`trialsynth.parse.raw_files`);
* a field present with the wrong JSON type (``phases`` a string, ...) -> ``InputError`` naming
  the file, the NCT ID and the field path (:mod:`trialsynth.parse.ctgov_flatten`);
* a study missing whole optional modules -> parsed, with empty cells;
* a study that is not a JSON object, or whose ``nctId`` is missing or not ``NCT`` + 8 digits ->
  skipped, counted, logged and listed (:class:`~trialsynth.parse.skips.SkipLog`);
* control characters in any string -> removed, counted and logged per study
  (:mod:`trialsynth.parse.control_chars`);
* the same NCT ID more than once (e.g. across pages) -> the version with the newest
  ``lastUpdatePostDate`` is kept (a missing date counts as oldest; on a tie the one met later
  in file order wins, as a later page comes from a later request); each one dropped is
  counted, logged and listed with the reason :data:`DUPLICATE_REASON`. Every stage keeps the
  same version, so a trial is never coded from a superseded record.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from trialsynth.errors import InputError
from trialsynth.parse.control_chars import log_removed, strip_control_characters
from trialsynth.parse.nct_ids import is_valid_nct_id, study_nct_id
from trialsynth.parse.raw_files import decode_utf8, list_raw_files, read_raw_bytes
from trialsynth.parse.skips import SkipLog

log = logging.getLogger(__name__)

PAGE_GLOB = "page-*.json"
MANIFEST = "manifest.json"
#: What the reader accepts, for error messages.
_SOURCES_HINT = "pass a raw CT.gov snapshot folder, /studies page files or v2 study files"
T = TypeVar("T")
#: One source: a folder or file, or several of them.
Sources = str | Path | Sequence[str | Path]

__all__ = [
    "DUPLICATE_REASON",
    "PAGE_GLOB",
    "RawStudy",
    "Version",
    "ctgov_files",
    "iter_ctgov_studies",
    "iter_raw_studies",
    "last_update_post_date",
    "list_ctgov_pages",
    "newest_values",
    "newest_versions",
    "read_ctgov_file",
    "read_ctgov_page",
    "study_nct_id",
    "supersedes",
    "version_of",
]


class RawStudy(NamedTuple):
    """One study of a raw page (or study file) with a valid NCT ID."""

    path: Path
    position: int
    nct_id: str
    study: dict[str, Any]
    record: str = ""  # ``studies[<position>]`` in a page, ``study`` in a single-study file


def list_ctgov_pages(raw_dir: str | Path) -> list[Path]:
    """The ``page-*.json`` files of a raw CT.gov snapshot folder, in page order, checked
    against the folder's ``manifest.json`` (sha256) when it has one."""
    return list_raw_files(raw_dir, PAGE_GLOB, "ctgov")


def ctgov_files(sources: Sources) -> list[Path]:
    """The JSON files named by ``sources``, in the order given.

    A snapshot folder (one holding ``page-*.json``) gives its pages, checked against its
    manifest; another folder gives its ``*.json`` files except ``manifest.json``, in name order.

    Raises
    ------
    InputError
        A path does not exist, a folder holds no JSON file, or a page does not match the
        snapshot's manifest.
    """
    if isinstance(sources, str | Path) and not Path(sources).exists():
        return list_ctgov_pages(sources)  # one folder, as a stage's --raw: names the fix
    paths = [sources] if isinstance(sources, str | Path) else list(sources)
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            if any(path.glob(PAGE_GLOB)):
                files.extend(list_ctgov_pages(path))
                continue
            found = sorted(p for p in path.glob("*.json") if p.name != MANIFEST and p.is_file())
            # a folder with neither pages nor study files: the error names the folder and fix
            files.extend(found or list_ctgov_pages(path))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("file not found", path=path, hint=_SOURCES_HINT)
    return files


#: What a control character looks like in the UTF-8 bytes of JSON text: the character itself
#: (one byte for C0 and DEL; ``C2 80``-``C2 9F`` for C1, which may stand unescaped in a JSON
#: string), a ``\\u`` escape of one, or ``\\b`` / ``\\f``. A file without any of these holds
#: no control character once parsed (a match may be a false alarm, such as an escaped
#: backslash before a ``b``: the record is then checked string by string). The bytes are
#: searched rather than the decoded text: C0 and DEL are deleted with ``bytes.translate`` and
#: the C1 pairs and escapes found from their fast first byte, twice as quick as a search of
#: the text for :data:`~trialsynth.parse.control_chars.CONTROL_CHARACTERS`, which every stage
#: reading the pages paid.
_C0_AND_DEL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_IN_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_CONTROL_ESCAPE_IN_JSON = re.compile(rb"\\(?:u00[01][0-9a-fA-F]|u007[fF]|u00[89][0-9a-fA-F]|[bf])")


def _may_hold_control(data: bytes) -> bool:
    """True when ``data`` (JSON as valid UTF-8) holds a control character or an escape of
    one."""
    return (
        len(data.translate(None, _C0_AND_DEL)) != len(data)
        or _C1_IN_UTF8.search(data) is not None
        or _CONTROL_ESCAPE_IN_JSON.search(data) is not None
    )


def _load_json(path: Path) -> Any:
    return _load_json_text(path)[0]


def _load_json_text(path: Path) -> tuple[Any, bool]:
    """The parsed file, and whether its text may hold a control character."""
    data = read_raw_bytes(path)
    text = decode_utf8(data, path)
    try:
        return json.loads(text), _may_hold_control(data)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            path=path,
            record=f"line {exc.lineno} column {exc.colno}",
            hint="the file is truncated or corrupt; re-run `trialsynth fetch ctgov`",
        ) from exc


def read_ctgov_page(path: Path) -> list[Any]:
    """The ``studies`` array of one page (elements unchecked).

    Raises
    ------
    InputError
        Not UTF-8 (byte offset), not JSON (line and column), or not ``{"studies": [...]}``.
    """
    return _page_studies(_load_json(path), path)


def _page_studies(body: Any, path: Path) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("studies"), list):
        raise InputError(
            'not a CT.gov /studies response body: expected an object with a "studies" array',
            path=path,
            hint="raw pages hold the response body as received; re-run `trialsynth fetch ctgov`",
        )
    studies: list[Any] = body["studies"]
    return studies


def read_ctgov_file(path: Path) -> list[tuple[str, Any]]:
    """``(record, study)`` for every study of a page (``studies[i]``) or of a single-study
    file (``study``), elements unchecked.

    Raises
    ------
    InputError
        Not UTF-8, not JSON, or neither shape (a ``page-*.json`` must be a page).
    """
    return _read_ctgov_file(path)[0]


def _read_ctgov_file(path: Path) -> tuple[list[tuple[str, Any]], bool]:
    """:func:`read_ctgov_file`, and whether the file may hold a control character."""
    body, controls = _load_json_text(path)
    if path.match(PAGE_GLOB):
        return [(f"studies[{i}]", s) for i, s in enumerate(_page_studies(body, path))], controls
    if isinstance(body, dict) and isinstance(body.get("studies"), list):
        return [(f"studies[{i}]", s) for i, s in enumerate(body["studies"])], controls
    if isinstance(body, dict) and "protocolSection" in body:
        return [("study", body)], controls
    raise InputError(
        'neither a CT.gov v2 study ({"protocolSection": ...}) nor a /studies page '
        '({"studies": [...]})',
        path=path,
        hint=_SOURCES_HINT,
    )


def last_update_post_date(study: dict[str, Any]) -> str:
    """``lastUpdatePostDateStruct.date`` (ISO, sorts as text) or ``""`` when absent."""
    section = study.get("protocolSection") or {}
    status = section.get("statusModule") or {}
    date = (status.get("lastUpdatePostDateStruct") or {}).get("date")
    return date if isinstance(date, str) else ""


def file_raw_studies(path: Path, skips: SkipLog) -> Iterator[RawStudy]:
    """The studies with a valid NCT ID of one file, in file order, control characters
    removed; the others are reported to ``skips`` (removals are logged at its level)."""
    studies, controls = _read_ctgov_file(path)
    log.debug("%s: %d studies", path.name, len(studies))
    for index, (record, study) in enumerate(studies):
        if not isinstance(study, dict):
            skips.skip(path.name, record, "study is not a JSON object")
            continue
        removed: Counter[str] = Counter()
        if controls:
            study = strip_control_characters(study, removed)
        nct_id = study_nct_id(study)
        if nct_id is None:
            skips.skip(path.name, record, "missing NCT ID (identificationModule.nctId)")
            continue
        if not is_valid_nct_id(nct_id):
            skips.skip(path.name, f"{record} {nct_id!r}", "invalid NCT ID (not NCT + 8 digits)")
            continue
        log_removed(removed, path.name, f"{record} {nct_id}", skips.level)
        yield RawStudy(path, index, nct_id, study, record)


def iter_raw_studies(sources: Sources, skips: SkipLog | None = None) -> Iterator[RawStudy]:
    """Every study with a valid NCT ID, in file order, duplicates included.

    Studies that are not objects or lack a valid NCT ID are reported to ``skips`` (or only
    logged when ``skips`` is ``None``).
    """
    skips = skips if skips is not None else SkipLog()
    for path in ctgov_files(sources):
        yield from file_raw_studies(path, skips)


class Version(NamedTuple):
    """Where one record of an NCT ID was met, and its last update date (``""`` if none)."""

    source_file: str
    position: int
    last_update: str
    path: Path | None = None


#: Reason listed for a superseded duplicate (a fixed text, so that skips count by reason).
DUPLICATE_REASON = "duplicate NCT ID; the record with the newest lastUpdatePostDate is kept"


def version_of(raw: RawStudy) -> Version:
    """The :class:`Version` of a raw study."""
    return Version(raw.path.name, raw.position, last_update_post_date(raw.study), raw.path)


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


def newest_versions(sources: Sources, skips: SkipLog | None = None) -> dict[str, Version]:
    """The version of every NCT ID that every stage reads (see :func:`supersedes`), after one
    pass over ``sources`` that holds one file in memory at a time."""
    skips = skips if skips is not None else SkipLog()
    winners: dict[str, Version] = {}
    for raw in iter_raw_studies(sources, skips):
        here = version_of(raw)
        kept = winners.get(raw.nct_id)
        if kept is None or supersedes(raw.nct_id, kept, here, skips):
            winners[raw.nct_id] = here
    return winners


def iter_ctgov_studies(
    raw_dir: Sources, skips: SkipLog | None = None
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The raw study dicts of a snapshot, one per NCT ID, as ``(page path, study)``.

    The same rules as ``trialsynth parse ctgov`` apply (invalid IDs skipped, the newest
    version of a duplicated NCT ID kept), so stages reading raw JSON see exactly the studies
    of ``trials.csv``. Pages are read twice (an index of winners first) so that memory holds
    one page at a time.

    Parameters
    ----------
    raw_dir
        The raw CT.gov folder (``data/raw/ctgov``), or any sources :func:`ctgov_files` takes.
    skips
        Collects skipped records and superseded duplicates; ``None`` only logs them.

    Yields
    ------
    tuple of (pathlib.Path, dict)
        The page file and the study object as received from the CT.gov API v2 (control
        characters removed).
    """
    winners = newest_versions(raw_dir, skips)
    chosen = {(v.path, v.position) for v in winners.values()}
    for raw in iter_raw_studies(raw_dir, SkipLog(level=logging.DEBUG)):
        if (raw.path, raw.position) in chosen:
            yield raw.path, raw.study


def newest_values(
    sources: Sources,
    compute: Callable[[RawStudy], T],
    skips: SkipLog | None = None,
) -> list[tuple[RawStudy, T]]:
    """``compute`` of the version of every NCT ID that every stage reads, in one pass.

    The same choice as :func:`iter_ctgov_studies` (invalid IDs skipped, the newest version of
    a duplicated NCT ID kept, :func:`supersedes`), with each page read once: ``compute`` runs
    on every study as it is read (a superseded duplicate's value is dropped), so memory holds
    one page and the computed values, not the studies.

    Returns
    -------
    list of (RawStudy, value)
        In file order of the kept versions (as :func:`iter_ctgov_studies` yields them); the
        ``RawStudy`` keeps its path, position, NCT ID and record but not the study object.
    """
    skips = skips if skips is not None else SkipLog()
    winners: dict[str, tuple[int, Version]] = {}
    values: dict[str, tuple[int, RawStudy, T]] = {}
    for order, raw in enumerate(iter_raw_studies(sources, skips)):
        here = version_of(raw)
        kept = winners.get(raw.nct_id)
        if kept is not None and not supersedes(raw.nct_id, kept[1], here, skips):
            continue
        winners[raw.nct_id] = (order, here)
        values[raw.nct_id] = (order, raw._replace(study={}), compute(raw))
    return [(raw, value) for _, raw, value in sorted(values.values(), key=lambda item: item[0])]
