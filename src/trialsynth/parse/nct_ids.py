"""ClinicalTrials.gov identifiers: validation and tolerant extraction from free text.

An NCT ID is ``NCT`` followed by exactly eight digits (ClinicalTrials.gov, "Glossary: NCT
Number"). Publications often write it loosely ("NCT 0123 4567", "NCT-01234567",
"NCT: 01234567"); :func:`find_nct_ids` accepts such spellings, normalises them to the canonical
form and rejects runs with the wrong number of digits instead of guessing.
"""

from __future__ import annotations

import re
from typing import Any

#: The canonical form of an NCT ID.
NCT_ID_PATTERN = re.compile(r"^NCT\d{8}$")

_DIGITS_IN_ID = 8
#: Separators tolerated between ``NCT`` and the digits (space, colon, hash, hyphens, dot).
_PREFIX_SEPARATORS = r"[\s\u00a0\u2009:#.\-\u2010\u2011\u2012\u2013\u2014_]{0,3}"
#: One separator tolerated between groups of digits (a space or a hyphen of any kind).
_GROUP_SEPARATOR = r"[ \u00a0\u2009\-\u2010\u2011\u2012\u2013]"
#: The letters a mention may not touch: ASCII letters and the four other characters that
#: ``[A-Za-z]`` matches under ``re.IGNORECASE`` (U+0130, U+0131, U+017F, U+212A), so that
#: mentions are found as by the case-insensitive ``(?<![A-Za-z0-9])NCT...(?![A-Za-z])``.
_LETTERS = "A-Za-z\u0130\u0131\u017f\u212a"
#: A mention, written case-sensitively: ``[Nn][Cc][Tt]`` is every spelling ``NCT`` matches
#: under ``re.IGNORECASE``, and the separator and digit classes hold no cased character.
#: The "not after a letter or digit" check is a look-behind placed after ``NCT`` (it looks at
#: the character before it), so that the pattern starts with a character set: the regular
#: expression engine then skips ahead to the next ``N`` or ``n`` instead of trying the
#: look-behind at every position (3 times faster on abstracts). Matches are the same as
#: those of ``(?<![A-Za-z0-9])NCT...`` (tests/unit/parse/test_nct_ids.py compares the two).
_MENTION = re.compile(
    rf"[Nn][Cc][Tt](?<![{_LETTERS}0-9][Nn][Cc][Tt]){_PREFIX_SEPARATORS}"
    rf"(\d+(?:{_GROUP_SEPARATOR}\d+)*)(?![{_LETTERS}])"
)
_GROUPS = re.compile(r"\d+")


def is_valid_nct_id(value: object) -> bool:
    """True when ``value`` is a string in the canonical form ``NCT`` + 8 digits."""
    return isinstance(value, str) and bool(NCT_ID_PATTERN.match(value))


def study_nct_id(study: Any) -> str | None:
    """``protocolSection.identificationModule.nctId`` of a CT.gov API v2 study record, as text
    (a number is turned into its digits so that it is reported as an invalid ID), or ``None``
    when the record is not an object or any level is absent.

    The one accessor of a study's NCT ID used by every stage (fetch, parse, coding,
    outcomes); validity is :func:`is_valid_nct_id`'s business.
    """
    section = study.get("protocolSection") if isinstance(study, dict) else None
    module = section.get("identificationModule") if isinstance(section, dict) else None
    value = module.get("nctId") if isinstance(module, dict) else None
    if value is None or isinstance(value, (dict, list)):
        return None
    return value if isinstance(value, str) else str(value)


def normalise_nct_id(value: str) -> str | None:
    """Canonical form of an accession number such as ``" nct02417064 "``, or ``None``.

    Only case and surrounding white space are corrected; anything else that is not
    ``NCT`` + 8 digits is rejected.
    """
    candidate = value.strip().upper()
    return candidate if NCT_ID_PATTERN.match(candidate) else None


def _digits_of_mention(run: str) -> str | None:
    """The eight digits of one loosely written ID, or ``None`` when the count is wrong.

    Digit groups are consumed left to right until they add up to eight digits; groups after
    that belong to the surrounding sentence ("NCT02417064 12 patients"). When the groups
    jump past eight ("NCT0123456 12"), the mention is malformed.
    """
    digits = ""
    for group in _GROUPS.findall(run):
        digits += group
        if len(digits) == _DIGITS_IN_ID:
            return digits
        if len(digits) > _DIGITS_IN_ID:
            return None
    return None


def find_nct_ids(text: str | None) -> list[str]:
    """NCT IDs mentioned in free text, normalised, unique and sorted.

    Parameters
    ----------
    text
        Title, abstract or any other free text; ``None`` gives an empty list.

    Returns
    -------
    list of str
        Canonical IDs (``NCT`` + 8 digits). Mentions with more or fewer than eight digits
        are rejected (logged by the caller if needed), never padded or truncated.

    Examples
    --------
    >>> find_nct_ids("registered as NCT 0241 7064 and NCT-02493868; not NCT0123456")
    ['NCT02417064', 'NCT02493868']
    """
    if not text or (text.isascii() and "NCT" not in text.upper()):
        # No mention can start without the letters N, C, T in a row (any case); an ASCII
        # text is checked for them cheaply first (most abstracts have none).
        return []
    found = set()
    for match in _MENTION.finditer(text):
        digits = _digits_of_mention(match.group(1))
        if digits is not None:
            found.add(f"NCT{digits}")
    return sorted(found)
