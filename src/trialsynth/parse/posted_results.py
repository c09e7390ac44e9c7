"""``ctgov_posted_results.jsonl``: the posted results of every kept CT.gov study, as received.

``trialsynth parse ctgov`` decodes every raw page once; the outcomes stage needs of each study
only its NCT ID, its acronym and its posted outcome measures. Rather than decode the whole
snapshot a second time (about 48 MB at 10,000 trials, most of it protocol text), the parse
stage writes those fields of the studies it keeps into this file and the outcomes stage reads
it (issue 12: a refresh that redoes only what changed, cheaply).

Format (JSON Lines, https://jsonlines.org/): one line per kept study, in the order of
:func:`trialsynth.parse.ctgov_pages.newest_values` (file order of the kept versions), each an
object ``{"source_file": <page file name>, "study": <pruned study>}``. The pruned study is a
subset of the ClinicalTrials.gov API v2 ``Study`` object keeping the paths of
:data:`POSTED_RESULT_PATHS` exactly as received (control characters removed, as every stage
reads them), so a reader of the pruned study sees the same values as a reader of the raw one.
Studies without posted results keep a line (their NCT ID), so the file also says how many
studies the snapshot holds. Text is written with ASCII escapes, which round-trips every
string ``json`` decodes (lone surrogates included).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from trialsynth.errors import InputError
from trialsynth.parse.raw_files import read_utf8
from trialsynth.tables import write_text_atomic

log = logging.getLogger(__name__)

#: The fields of an API v2 ``Study`` kept (ClinicalTrials.gov API v2 data structure:
#: ``IdentificationModule.nctId``/``acronym``, ``ResultsSection.outcomeMeasuresModule``).
POSTED_RESULT_PATHS: tuple[tuple[str, ...], ...] = (
    ("protocolSection", "identificationModule", "nctId"),
    ("protocolSection", "identificationModule", "acronym"),
    ("resultsSection", "outcomeMeasuresModule", "outcomeMeasures"),
)

_REBUILD = "re-run `trialsynth parse ctgov --posted-results` (the workflow's parse_ctgov rule)"


def prune_study(study: dict[str, Any]) -> dict[str, Any]:
    """The fields of :data:`POSTED_RESULT_PATHS` that ``study`` has, nested as in ``study``.

    A value on the way that is not an object (``"resultsSection": null``) is kept as it is,
    so a reader meets the same value it would meet in the raw study.
    """
    pruned: dict[str, Any] = {}
    for path in POSTED_RESULT_PATHS:
        source: Any = study
        target = pruned
        for depth, key in enumerate(path):
            if not isinstance(source, dict) or key not in source:
                break
            value = source[key]
            if depth == len(path) - 1 or not isinstance(value, dict):
                target[key] = value
                break
            source = value
            target = target.setdefault(key, {})
    return pruned


def posted_result_line(source_file: str, study: dict[str, Any]) -> str:
    """The line of one kept study: ``{"source_file": ..., "study": <pruned study>}``.

    The parse stage encodes each study's line as it reads the study, so that it holds text
    rather than the posted results' objects (a million small objects at 10,000 trials, which
    Python's cyclic garbage collector would walk again and again).
    """
    pruned = {"source_file": source_file, "study": prune_study(study)}
    return json.dumps(pruned, separators=(",", ":"))


def write_posted_results(lines: Iterable[str], target: str | os.PathLike[str]) -> int:
    """Write the lines of :func:`posted_result_line` as a JSON-lines file, atomically.

    The file keeps its bytes (and time stamp) when its content is unchanged
    (:func:`trialsynth.tables.write_text_atomic`).

    Returns
    -------
    int
        The number of lines written.
    """
    written = list(lines)
    write_text_atomic(target, "".join(f"{line}\n" for line in written))
    return len(written)


def read_posted_results(path: str | os.PathLike[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(page file name, pruned study)`` for every line of a posted-results file.

    Raises
    ------
    InputError
        The file is missing, not UTF-8, or a line is not JSON or not an object with a string
        ``source_file`` and an object ``study`` (the record names the line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, hint=_REBUILD)
    for number, line in enumerate(read_utf8(path).splitlines(), start=1):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON: {exc.msg}",
                path=path,
                record=f"line {number} column {exc.colno}",
                hint=_REBUILD,
            ) from exc
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("source_file"), str)
            or not isinstance(item.get("study"), dict)
        ):
            raise InputError(
                'not a posted-results line: expected {"source_file": "...", "study": {...}}',
                path=path,
                record=f"line {number}",
                hint=_REBUILD,
            )
        yield item["source_file"], item["study"]
