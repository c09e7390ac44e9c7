"""Cell formats shared by the parse tables: ``;``-joined lists and JSON arrays
(docs/architecture.md, "Processed tables")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def join_sorted(values: Iterable[str], *, numeric: bool = False) -> str | None:
    """Unique values, sorted (numerically with ``numeric``), ``;``-joined; None if none.

    A ``;`` inside a value becomes ``,`` so that splitting the cell on ``;`` gives the values.
    """
    unique = {v.replace(";", ",") for v in values}
    if not unique:
        return None
    return ";".join(sorted(unique, key=int if numeric else None))


def json_cell(items: list[dict[str, Any]]) -> str | None:
    """A compact JSON array (key order kept, non-ASCII kept), or None for no items."""
    if not items:
        return None
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))
