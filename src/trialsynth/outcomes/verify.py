"""Check curated numbers against the PubMed records of the snapshot.

Curated sheets hold numbers and a locator (PMID or URL, and where in the source), never copied
sentences. Where a row's source is the abstract of a PubMed record that the snapshot holds
(``articles.csv``), every number the curator read (not those the sheet marks as derived) must
occur in that record's title or abstract; the sentences where they were found are written to the
verification table at run time, so a reader sees the evidence without the sheet copying it.

Each row is ``verified`` (every number found), ``not_verifiable`` (no PMID, the record is not in
the snapshot, or the row cites another source such as a full-text table) or ``mismatched`` (a
number is not in the record): a mismatch is an error naming the sheet, the row and the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from trialsynth.errors import InputError
from trialsynth.outcomes.rows import ARM_NUMBER_COLUMNS, ESTIMATE_COLUMNS
from trialsynth.tables import frame_records

#: Sheet columns holding numbers read from the source (checked unless listed in ``derived``).
NUMBER_COLUMNS = (*ARM_NUMBER_COLUMNS, *ESTIMATE_COLUMNS, "p")
#: Columns of ``outcome_verification.csv``.
VERIFICATION_COLUMNS = (
    "sheet",
    "row",
    "pmid",
    "status",
    "numbers",
    "reason",
    "sentences",
)
_ABSTRACT = re.compile(r"\babstract\b", re.IGNORECASE)
_PUBMED_URL = re.compile(r"pubmed(?:\.ncbi\.nlm\.nih)?\.gov/(\d+)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d*[.\u00b7]?\d+")
_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {
    **{word: value for value, word in enumerate(_UNITS)},
    **{word: 20 + 10 * index for index, word in enumerate(_TENS)},
}
_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(_TENS) + r")(?:[- ](" + "|".join(_UNITS[1:10]) + r"))?\b"
    r"|\b(" + "|".join(_UNITS) + r")\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """Split an abstract into sentences (at ``. ``, ``! ``, ``? `` before a capital letter)."""
    return [part.strip() for part in _SENTENCE_END.split(text or "") if part.strip()]


def numbers_in(text: str) -> set[Decimal]:
    """Every unsigned number printed in ``text`` (``1,806`` -> 1806, ``0·49`` -> 0.49), in
    digits or in words below one hundred (``Fifty-nine`` -> 59, as sentences starting with a
    number spell it)."""
    found = set()
    for match in _NUMBER_WORD.finditer(text):
        tens, unit, alone = (g.lower() if g else None for g in match.groups())
        value = (
            _WORD_VALUES[alone]
            if alone
            else _WORD_VALUES[tens or ""] + (_WORD_VALUES[unit] if unit else 0)
        )
        found.add(Decimal(value))
    for token in _NUMBER.findall(_THOUSANDS.sub("", text).replace("\u00b7", ".")):
        try:
            found.add(Decimal(token).normalize())
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            continue
    return found


def _as_number(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip().lstrip("<>=≤≥ ").replace("\u2212", "-")
    if not text:
        return None
    try:
        return abs(Decimal(text)).normalize()
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class RowCheck:
    """The verification of one sheet row."""

    sheet: str
    row: int
    pmid: str | None
    status: str  # "verified" | "not_verifiable" | "mismatched"
    numbers: str
    reason: str
    sentences: str
    missing: tuple[str, ...] = ()


def _source_is_abstract(record: dict[str, Any], pmid: str) -> bool:
    where = " ".join(
        str(record.get(col) or "") for col in ("locator", "source_id", "source_url", "url")
    )
    url = str(record.get("source_url") or record.get("url") or "")
    linked = _PUBMED_URL.search(url)
    return bool(_ABSTRACT.search(where)) or (linked is not None and linked.group(1) == pmid)


def check_row(
    sheet: str, row: int, record: dict[str, Any], articles: dict[str, tuple[str, str]]
) -> RowCheck:
    """Verify one sheet row against ``articles`` (``{pmid: (title, abstract)}``)."""
    pmid = None if record.get("pmid") in (None, "") else str(record.get("pmid"))
    if pmid is not None and pd.isna(record.get("pmid")):
        pmid = None
    derived = {
        part.strip()
        for col in ("derived", "numbers_from_elsewhere")
        for part in str(record.get(col) or "").split(";")
        if part.strip() and not pd.isna(record.get(col))
    }
    values = {
        col: _as_number(record.get(col))
        for col in NUMBER_COLUMNS
        if col not in derived and _as_number(record.get(col)) is not None
    }
    listed = "; ".join(f"{col}={record.get(col)}" for col in values)
    if pmid is None:
        return RowCheck(sheet, row, None, "not_verifiable", listed, "no PMID", "")
    if pmid not in articles:
        return RowCheck(
            sheet, row, pmid, "not_verifiable", listed, "PubMed record not in the snapshot", ""
        )
    if not _source_is_abstract(record, pmid):
        return RowCheck(
            sheet,
            row,
            pmid,
            "not_verifiable",
            listed,
            "the row cites another part of the source (not the PubMed title/abstract)",
            "",
        )
    if not values:
        return RowCheck(sheet, row, pmid, "not_verifiable", "", "no number read from it", "")
    title, abstract = articles[pmid]
    parts = [title, *sentences(abstract)]
    found: dict[str, str] = {}
    for col, value in values.items():
        hit = next((text for text in parts if value in numbers_in(text)), None)
        if hit is not None:
            found[col] = hit
    missing = tuple(col for col in values if col not in found)
    quoted = " | ".join(dict.fromkeys(found.values()))
    if missing:
        return RowCheck(
            sheet,
            row,
            pmid,
            "mismatched",
            listed,
            "not in the title/abstract: "
            + ", ".join(f"{col}={record.get(col)}" for col in missing),
            quoted,
            missing,
        )
    return RowCheck(sheet, row, pmid, "verified", listed, "", quoted)


def verify_sheets(
    sheets: dict[str, pd.DataFrame], articles: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Verify every row of every sheet; returns the table and the counts per status.

    Raises
    ------
    InputError
        On the first mismatched row: names the sheet, the row and the number(s) not found.
    """
    records = {
        str(a["pmid"]): (str(a.get("title") or ""), str(a.get("abstract") or ""))
        for a in frame_records(articles)
    }
    checks = []
    for name, sheet in sorted(sheets.items()):
        for position, record in enumerate(sheet.to_dict("records")):
            check = check_row(name, position + 2, record, records)
            if check.status == "mismatched":
                raise InputError(
                    f"{check.reason} of PubMed {check.pmid}",
                    path=sheet.attrs.get("path", name),
                    record=f"row {check.row}",
                    hint="correct the number, list it in 'derived' if the curator computed it, "
                    "or point 'locator' at the part of the source it came from",
                )
            checks.append(check)
    table = pd.DataFrame(
        [{col: getattr(c, col) for col in VERIFICATION_COLUMNS} for c in checks],
        columns=list(VERIFICATION_COLUMNS),
    )
    counts = {
        status: int((table["status"] == status).sum())
        for status in ("verified", "not_verifiable", "mismatched")
    }
    return table, counts
