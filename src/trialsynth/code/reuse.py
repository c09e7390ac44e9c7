"""Coding a CT.gov snapshot once per record content: one pass over the pages, each trial looked
up in the stage's memo (:mod:`trialsynth.memo`) and coded only when its record, the codebook or
the package changed; many trials to code go to worker processes while the pages are read.

The memo holds each trial's :class:`~trialsynth.code.study.CodedStudy` as the coder returned
it, before reviewer overrides (they are applied to every trial afterwards, memo or not), so
``coding.csv`` and ``arms.csv`` are the same bytes with a cold, warm, partly stale or damaged
memo.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from trialsynth.code.arms import ArmCoding
from trialsynth.code.codebook import Codebook
from trialsynth.code.evidence import Evidence
from trialsynth.code.study import CodedStudy, code_study
from trialsynth.errors import InputError
from trialsynth.memo import RecordMemo
from trialsynth.parse.ctgov_pages import RawStudy, ctgov_files, newest_values
from trialsynth.parse.skips import SkipLog

log = logging.getLogger(__name__)

#: Memo file of the stage (``<cache>/code.memo``).
MEMO_STAGE = "code"
#: Trials coded in the reading process before worker processes start (a refresh codes a few).
CODE_HERE = 200
#: Trials per worker task, and tasks in flight per worker (bounds the studies held in memory).
CHUNK = 50
IN_FLIGHT_PER_WORKER = 2


def _evidence_json(items: list[Evidence]) -> list[dict[str, str]]:
    return [{"path": item.path, "quote": item.quote} for item in items]


def _arm_json(arm: ArmCoding) -> dict[str, Any]:
    return {
        "label": arm.label,
        "type": arm.type,
        "drug": arm.drug,
        "psychotherapy": arm.psychotherapy,
        "psychotherapy_type": arm.psychotherapy_type,
        "evidence_drug": _evidence_json(arm.evidence_drug),
        "evidence_psychotherapy": _evidence_json(arm.evidence_psychotherapy),
        "flags": list(arm.flags),
    }


def coded_to_json(coded: CodedStudy) -> dict[str, Any]:
    """A coded study as a JSON object (:func:`coded_from_json` reads it back): the object
    ``dataclasses.asdict`` gives, written out field by field (asdict deep-copies every value
    and took a tenth of a cold coding run; ``tests/unit/code/test_reuse.py`` checks they agree).
    """
    return {
        "nct_id": coded.nct_id,
        "values": dict(coded.values),
        "evidence": dict(coded.evidence),
        "flags": list(coded.flags),
        "decided_by": list(coded.decided_by),
        "arms": [_arm_json(arm) for arm in coded.arms],
    }


def coded_from_json(doc: dict[str, Any]) -> CodedStudy:
    """The :class:`CodedStudy` written by :func:`coded_to_json`.

    Raises
    ------
    TypeError, KeyError
        When ``doc`` is not such an object (the memo then recomputes the trial).
    """
    arms = [
        ArmCoding(
            **{
                **arm,
                "evidence_drug": [Evidence(**e) for e in arm["evidence_drug"]],
                "evidence_psychotherapy": [Evidence(**e) for e in arm["evidence_psychotherapy"]],
            }
        )
        for arm in doc["arms"]
    ]
    return CodedStudy(**{**doc, "arms": arms})


def code_memo(
    folder: str | os.PathLike[str] | None, codebook: Codebook, with_arms: bool
) -> RecordMemo:
    """The coding memo for this codebook (off when ``folder`` is ``None`` or the codebook was
    not read from a file, so its content is unknown)."""
    usable = folder if codebook.digest else None
    return RecordMemo(usable, MEMO_STAGE, {"codebook": codebook.digest, "arms": with_arms})


Item = tuple[Path, str, str, dict[str, Any]]


def _code_one(item: Item, codebook: Codebook, with_arms: bool) -> CodedStudy:
    path, record, nct_id, study = item
    try:
        return code_study(study, codebook, with_arms)
    except InputError as exc:
        raise InputError(str(exc), path=path, record=f"{record} {nct_id}") from exc


_WORKER: tuple[Codebook, bool] | None = None


def _init_worker(codebook: Codebook, with_arms: bool) -> None:
    global _WORKER
    _WORKER = (codebook, with_arms)


def _code_chunk(chunk: list[Item]) -> list[CodedStudy]:
    assert _WORKER is not None, "worker not initialised"
    return [_code_one(item, *_WORKER) for item in chunk]


class _Coder:
    """Looks every trial up in the memo; codes the others here or in ``jobs`` workers."""

    def __init__(self, codebook: Codebook, with_arms: bool, jobs: int, memo: RecordMemo) -> None:
        self.codebook, self.with_arms, self.jobs, self.memo = codebook, with_arms, jobs, memo
        self.coded_here = 0
        self.pool: ProcessPoolExecutor | None = None
        self.chunk: list[tuple[str, Item]] = []
        self.in_flight: deque[tuple[list[str], Future[list[CodedStudy]]]] = deque()
        self.done: dict[str, CodedStudy] = {}

    def __call__(self, raw: RawStudy) -> CodedStudy | str:
        """The coded trial, or its memo key when a worker codes it."""
        key = self.memo.key(raw.study)
        coded = self.memo.get(key, coded_from_json)
        if coded is not None:
            return coded
        item = (raw.path, raw.record, raw.nct_id, raw.study)
        if self.jobs == 1 or self.coded_here < CODE_HERE:
            self.coded_here += 1
            coded = _code_one(item, self.codebook, self.with_arms)
            self.memo.put(key, coded_to_json(coded))
            return coded
        self.chunk.append((key, item))
        if len(self.chunk) >= CHUNK:
            self._submit()
        return key

    def _submit(self) -> None:
        if not self.chunk:
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                initializer=_init_worker,
                initargs=(self.codebook, self.with_arms),
            )
        keys = [key for key, _ in self.chunk]
        future = self.pool.submit(_code_chunk, [item for _, item in self.chunk])
        self.in_flight.append((keys, future))
        self.chunk = []
        while len(self.in_flight) > self.jobs * IN_FLIGHT_PER_WORKER:
            self._collect()

    def _collect(self) -> None:
        keys, future = self.in_flight.popleft()
        for key, coded in zip(keys, future.result(), strict=True):
            self.memo.put(key, coded_to_json(coded))
            self.done[key] = coded

    def finish(self) -> dict[str, CodedStudy]:
        """Wait for the workers; the trials they coded, by memo key."""
        try:
            self._submit()
            while self.in_flight:
                self._collect()
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        return self.done


def code_snapshot(
    paths: Sequence[str | Path],
    codebook: Codebook,
    memo: RecordMemo,
    skipped: list[str] | None = None,
    jobs: int = 1,
    with_arms: bool = False,
) -> dict[str, CodedStudy]:
    """Code the version of every NCT ID that every stage reads, by NCT ID (sorted).

    The pages are read once (:func:`trialsynth.parse.ctgov_pages.newest_values`); a trial
    found in ``memo`` is not coded again; the first :data:`CODE_HERE` others are coded in this
    process, the rest in ``jobs`` worker processes (never when ``jobs`` is 1). The result does
    not depend on ``jobs`` or on the memo.
    """
    files = ctgov_files(paths)
    skips = SkipLog()
    coder = _Coder(codebook, with_arms, jobs, memo)
    try:
        kept = newest_values(files, coder, skips)
    finally:
        done = coder.finish()
    if skipped is not None:
        folder = {path.name: path for path in files}
        skipped.extend(
            f"{folder.get(name, name)} {record}: {reason}" for name, record, reason in skips.rows
        )
    coded = {raw.nct_id: done[value] if isinstance(value, str) else value for raw, value in kept}
    log.info(
        "%d trials: %d reused from %s, %d coded",
        len(coded),
        memo.hits,
        memo.path or "no memo",
        memo.misses,
    )
    return dict(sorted(coded.items()))
