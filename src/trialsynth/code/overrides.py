"""Reviewer overrides (``analysis/coding_overrides.csv``: nct_id, field, value, reason).

An override wins over the coder: the field takes the reviewer's value, its evidence becomes
``reviewer override: "<reason>"`` and the field is listed in ``decided_by``. A row with an
unknown field, a value the field does not allow, or the same (nct_id, field) twice is an
:class:`InputError` naming the file and row; a row for a study not coded is logged and counted.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from trialsynth.code.codebook import Codebook
from trialsynth.code.study import CodedStudy
from trialsynth.errors import InputError
from trialsynth.tables import read_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Override:
    """One reviewer decision."""

    nct_id: str
    field: str
    value: str
    reason: str


def load_overrides(path: str | os.PathLike[str], codebook: Codebook) -> list[Override]:
    """Read and check ``coding_overrides.csv`` (schema ``coding_overrides``); fields and values
    are those the codebook declares (``fields``).

    Raises
    ------
    InputError
        Missing file, bad columns, a field the codebook does not declare, a value not allowed
        for its field, or a duplicated (nct_id, field).
    """
    path = Path(path)
    table = read_table(path, "coding_overrides")
    out: list[Override] = []
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(table.itertuples(index=False), start=2):
        nct_id, field, raw, reason = (str(row.nct_id), str(row.field), str(row.value), row.reason)
        spec = codebook.fields.get(field)
        if spec is None:
            raise _row_error(
                path,
                index,
                f"field {field!r} is not a coded field",
                f"use one of {list(codebook.fields)}",
            )
        value = spec.normalise(raw)
        if value is None:
            allowed = f"use one of {list(spec.values)} (codebook {codebook.source}, fields)"
            raise _row_error(
                path, index, f"value {raw!r} is not allowed for field {field!r}", allowed
            )
        if (nct_id, field) in seen:
            raise _row_error(
                path,
                index,
                f"{nct_id} {field} is overridden twice",
                "keep one decision per study and field",
            )
        seen.add((nct_id, field))
        out.append(Override(nct_id, field, value, str(reason)))
    return out


def apply_overrides(coded: dict[str, CodedStudy], overrides: list[Override]) -> int:
    """Apply ``overrides`` in place; return how many named a study that was not coded."""
    unmatched = 0
    for item in overrides:
        study = coded.get(item.nct_id)
        if study is None:
            unmatched += 1
            log.warning(
                "override for %s %s: study not in the input, ignored", item.nct_id, item.field
            )
            continue
        if study.values[item.field] != item.value:
            log.info(
                "%s %s: reviewer %r replaces coder %r",
                item.nct_id,
                item.field,
                item.value,
                study.values[item.field],
            )
        study.values[item.field] = item.value
        study.evidence[item.field] = f'reviewer override: "{item.reason}"'
        study.decided_by = sorted({*study.decided_by, item.field})
    return unmatched


def _row_error(path: Path, index: int, message: str, hint: str) -> InputError:
    """An error naming the overrides file and the row (its line number)."""
    return InputError(message, path=path, record=f"row {index}", hint=hint)
