"""Control characters in record text: removed where records are read, counted and logged.

Registry JSON may carry ``\\u0000`` and other C0/C1 control characters in free text (a pasted
form feed, a NUL from a database export). They print as nothing, break tools that read CSV
as C strings, and can make two equal texts differ; so every string of a CT.gov record and every
text cell of a PubMed row has them removed before any stage sees it, and each removal is
counted and logged with the record it came from. Tab, line feed and carriage return are text
layout and are kept.

References
----------
Unicode Standard, chapter 23.1 "Control Codes" (C0: U+0000-U+001F, DEL U+007F, C1:
U+0080-U+009F).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

log = logging.getLogger(__name__)

#: C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_control_characters(value: Any, removed: Counter[str]) -> Any:
    """``value`` (a string or JSON-like structure of dicts and lists) with every control
    character removed from its strings (keys included); each removal is added to ``removed``
    under its code point (``"U+0000"``). Values without any are returned unchanged."""
    if isinstance(value, str):
        if not CONTROL_CHARACTERS.search(value):
            return value
        removed.update(f"U+{ord(c):04X}" for c in CONTROL_CHARACTERS.findall(value))
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, dict):
        return {
            strip_control_characters(k, removed): strip_control_characters(v, removed)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [strip_control_characters(item, removed) for item in value]
    return value


def describe(removed: Counter[str]) -> str:
    """``"3 control characters (U+0000 x2, U+0007)"``."""
    parts = [f"{code} x{n}" if n > 1 else code for code, n in sorted(removed.items())]
    total = sum(removed.values())
    return f"{total} control character{'s' if total != 1 else ''} ({', '.join(parts)})"


def log_removed(
    removed: Counter[str], source_file: str, record: str, level: int = logging.WARNING
) -> None:
    """Log one record's removals (nothing when none)."""
    if removed:
        log.log(level, "%s %s: removed %s from the text", source_file, record, describe(removed))


__all__ = ["CONTROL_CHARACTERS", "describe", "log_removed", "strip_control_characters"]
