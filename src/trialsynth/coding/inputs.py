"""Reading CT.gov v2 studies for the coder from files, folders and ``/studies`` pages.

A path may be a single-study JSON file (``{"protocolSection": ...}``), a page file
(``{"studies": [...]}``), or a folder of such files (``*.json`` except ``manifest.json``, in
name order). Unreadable JSON or a file of neither shape is an :class:`InputError` naming the
file; a study without a valid NCT ID is skipped, counted and logged; the same NCT ID twice keeps
the copy met last (later pages come from later requests).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from trialsynth.coding.study import study_nct_id
from trialsynth.errors import InputError

log = logging.getLogger(__name__)

_NCT_ID = re.compile(r"^NCT\d{8}$")
_NOT_STUDY_FILES = frozenset({"manifest.json"})


class InputStudy(NamedTuple):
    """One study and where it came from."""

    path: Path
    record: str
    nct_id: str
    study: dict[str, Any]


def _files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.name not in _NOT_STUDY_FILES)
            if not found:
                raise InputError(
                    "folder holds no CT.gov JSON files",
                    path=path,
                    hint="pass a raw CT.gov snapshot folder, page files or study files",
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("file not found", path=path, hint="check the --ctgov path")
    return files


def _load(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 (byte {exc.start})", path=path, hint="re-fetch or re-save the file as UTF-8"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            path=path,
            record=f"line {exc.lineno} column {exc.colno}",
            hint="the file is truncated or corrupt; re-run `trialsynth fetch ctgov`",
        ) from exc


def _studies_of(path: Path, body: Any) -> list[tuple[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("studies"), list):
        return [(f"studies[{i}]", s) for i, s in enumerate(body["studies"])]
    if isinstance(body, dict) and "protocolSection" in body:
        return [("study", body)]
    raise InputError(
        'neither a CT.gov v2 study ({"protocolSection": ...}) nor a /studies page '
        '({"studies": [...]})',
        path=path,
        hint="pass study JSON files, page files or a folder of them",
    )


def iter_input_studies(
    paths: Sequence[str | Path], skipped: list[str] | None = None
) -> Iterator[InputStudy]:
    """Every study with a valid NCT ID in ``paths`` (duplicates included, file order).

    Parameters
    ----------
    paths
        Files and folders as given to ``trialsynth code --ctgov``.
    skipped
        When given, ``"<file> <record>: <reason>"`` is appended for every skipped study.
    """
    for path in input_files(paths):
        yield from file_studies(path, skipped)


def input_files(paths: Sequence[str | Path]) -> list[Path]:
    """The JSON files named by ``paths`` (folders expanded, ``manifest.json`` left out).

    Raises
    ------
    InputError
        A path does not exist, or a folder holds no JSON file.
    """
    return _files(paths)


def file_studies(path: Path, skipped: list[str] | None = None) -> list[InputStudy]:
    """The studies with a valid NCT ID in one file, in file order (others skipped and logged)."""
    out: list[InputStudy] = []
    for record, study in _studies_of(path, _load(path)):
        nct_id = study_nct_id(study) if isinstance(study, dict) else None
        if nct_id is None or not _NCT_ID.match(nct_id):
            reason = "not an object" if not isinstance(study, dict) else "no valid NCT ID"
            log.warning("%s %s: skipped, %s", path, record, reason)
            if skipped is not None:
                skipped.append(f"{path} {record}: {reason}")
            continue
        out.append(InputStudy(path, record, nct_id, study))
    return out


def load_input_studies(
    paths: Sequence[str | Path], skipped: list[str] | None = None
) -> dict[str, InputStudy]:
    """Studies by NCT ID; a repeated NCT ID keeps the copy met last (logged)."""
    out: dict[str, InputStudy] = {}
    for item in iter_input_studies(paths, skipped):
        if item.nct_id in out:
            log.info("%s: %s repeated; keeping %s", item.nct_id, out[item.nct_id].path, item.path)
        out[item.nct_id] = item
    return out
