"""Which CT.gov records the coder reads: the parse stage's reader
(:mod:`trialsynth.parse.ctgov_pages`), so coding sees the same version of every trial as
``trials.csv`` and the outcome stage.

A path may be a single-study JSON file (``{"protocolSection": ...}``), a page file
(``{"studies": [...]}``), a raw snapshot folder (its pages, checked against its manifest) or a
folder of study files. Unreadable JSON or a file of neither shape is an :class:`InputError`
naming the file; a study without a valid NCT ID is skipped, counted and logged; control
characters are removed and counted; the same NCT ID twice keeps the version with the newest
``lastUpdatePostDate`` (on a tie the one met later).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from trialsynth.parse.ctgov_pages import (
    ctgov_files,
    file_raw_studies,
    iter_raw_studies,
    newest_versions,
)
from trialsynth.parse.skips import SkipLog

log = logging.getLogger(__name__)


class InputStudy(NamedTuple):
    """One study and where it came from."""

    path: Path
    record: str
    nct_id: str
    study: dict[str, Any]


def input_files(paths: Sequence[str | Path]) -> list[Path]:
    """The JSON files named by ``paths`` (folders expanded, ``manifest.json`` left out,
    snapshot pages checked against their manifest).

    Raises
    ------
    InputError
        A path does not exist, a folder holds no JSON file, or a page was edited.
    """
    return ctgov_files(paths)


def _skipped_text(skips: SkipLog, folder: dict[str, Path]) -> list[str]:
    return [f"{folder.get(name, name)} {record}: {reason}" for name, record, reason in skips.rows]


def chosen_positions(
    files: Sequence[Path], skipped: list[str] | None = None
) -> dict[Path, frozenset[int]]:
    """Per file, the positions of the studies to code: the version of each NCT ID every stage
    keeps (:func:`trialsynth.parse.ctgov_pages.newest_versions`).

    Parameters
    ----------
    files
        The input files (:func:`input_files`).
    skipped
        When given, ``"<file> <record>: <reason>"`` is appended for every study left out
        (invalid NCT ID, superseded duplicate).
    """
    skips = SkipLog()
    winners = newest_versions(list(files), skips)
    if skipped is not None:
        skipped.extend(_skipped_text(skips, {path.name: path for path in files}))
    chosen: dict[Path, set[int]] = {path: set() for path in files}
    for version in winners.values():
        assert version.path is not None
        chosen[version.path].add(version.position)
    return {path: frozenset(positions) for path, positions in chosen.items()}


def file_studies(
    path: Path, skipped: list[str] | None = None, positions: frozenset[int] | None = None
) -> list[InputStudy]:
    """The studies with a valid NCT ID in one file, in file order (others skipped and logged);
    only those at ``positions`` when given (skips are then logged at DEBUG, as the pass that
    chose the positions reported them)."""
    skips = SkipLog() if positions is None else SkipLog(level=logging.DEBUG)
    out = [
        InputStudy(raw.path, raw.record, raw.nct_id, raw.study)
        for raw in file_raw_studies(path, skips)
        if positions is None or raw.position in positions
    ]
    if skipped is not None and positions is None:
        skipped.extend(_skipped_text(skips, {path.name: path}))
    return out


def iter_input_studies(
    paths: Sequence[str | Path], skipped: list[str] | None = None
) -> Iterator[InputStudy]:
    """Every study with a valid NCT ID in ``paths`` (duplicates included, file order)."""
    skips = SkipLog()
    for raw in iter_raw_studies(paths, skips):
        yield InputStudy(raw.path, raw.record, raw.nct_id, raw.study)
    if skipped is not None:
        skipped.extend(_skipped_text(skips, {}))


def load_input_studies(
    paths: Sequence[str | Path], skipped: list[str] | None = None
) -> dict[str, InputStudy]:
    """Studies by NCT ID, one version each: the one every stage reads (newest
    ``lastUpdatePostDate``)."""
    files = input_files(paths)
    chosen = chosen_positions(files, skipped)
    out: dict[str, InputStudy] = {}
    for path in files:
        for item in file_studies(path, positions=chosen[path]):
            out[item.nct_id] = item
    return out
