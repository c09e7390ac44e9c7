"""The coded fields and their allowed values, as the codebook declares them (``fields:``).

The package fixes only the field names (the columns of coding.csv) and the few values the coder
writes by itself (``yes``/``no``/``unclear``, the four designs, ``none``/``other`` ...); every
value of the review's topic (drugs, conditions, therapy modalities) is read from the codebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialsynth.errors import ProtocolError

#: Coded fields, in the column order of coding.csv.
FIELDS: tuple[str, ...] = (
    "drug",
    "route",
    "condition",
    "psychotherapy",
    "psychotherapy_type",
    "design",
    "comparator",
)

#: Values the coder writes without a codebook rule; the codebook must list each of them.
CODER_VALUES: dict[str, tuple[str, ...]] = {
    "psychotherapy": ("yes", "no", "unclear"),
    "psychotherapy_type": ("none", "other"),
    "design": ("RCT", "nonrandomized_controlled", "single_arm", "observational"),
    "comparator": ("none", "other", "psychotherapy_only"),
}

#: Fields whose ``several`` and ``not_stated`` values the coder needs.
ROLES_NEEDED: dict[str, tuple[str, ...]] = {
    "drug": ("several", "not_stated"),
    "route": ("several", "not_stated"),
    "condition": ("not_stated",),
    "psychotherapy_type": ("not_stated",),
}


@dataclass(frozen=True)
class FieldSpec:
    """One coded field: its allowed values and how a cell holds them.

    Attributes
    ----------
    name
        The field (a column of coding.csv).
    values
        Allowed values, in codebook order.
    multi_valued
        Cells hold a ``;``-joined, sorted set of values.
    several, not_stated
        The value for more than one found / for none named (``None`` when not declared).
    """

    name: str
    values: tuple[str, ...]
    multi_valued: bool = False
    several: str | None = None
    not_stated: str | None = None

    def normalise(self, value: str) -> str | None:
        """The canonical cell for ``value`` (multi-valued: sorted, de-duplicated), or ``None``
        when it holds a value the field does not allow."""
        if self.multi_valued:
            parts = sorted({p.strip() for p in value.split(";") if p.strip()})
            if not parts or any(p not in self.values for p in parts):
                return None
            if self.not_stated in parts and len(parts) > 1:
                return None
            return ";".join(parts)
        return value.strip() if value.strip() in self.values else None

    def cell_pattern(self) -> str:
        """A regular expression for a valid cell (used to check coding.csv and arms.csv)."""
        one = "(" + "|".join(sorted(self.values, key=lambda v: (-len(v), v))) + ")"
        return f"^{one}(;{one})*$" if self.multi_valued else f"^{one}$"


def field_specs(doc: Mapping[str, Any], path: Path) -> dict[str, FieldSpec]:
    """Build the :class:`FieldSpec` of every field from the codebook's ``fields`` block.

    Raises
    ------
    ProtocolError
        A role value (``several``, ``not_stated``) that is not among the field's values, a role
        the coder needs that is missing, or a value the coder writes that is not listed.
    """
    specs: dict[str, FieldSpec] = {}
    for name in FIELDS:
        entry = doc[name]
        spec = FieldSpec(
            name=name,
            values=tuple(str(v) for v in entry["values"]),
            multi_valued=bool(entry.get("multi_valued", False)),
            several=entry.get("several"),
            not_stated=entry.get("not_stated"),
        )
        for role in ROLES_NEEDED.get(name, ()):
            if getattr(spec, role) is None:
                raise ProtocolError(
                    f"fields.{name} has no {role!r} value",
                    path=path,
                    record=f"key fields.{name}",
                    hint=f"add '{role}: <one of the values>' (the coder writes it)",
                )
        roles = [v for v in (spec.several, spec.not_stated) if v is not None]
        check_values(roles, spec, path, f"fields.{name}")
        missing = [v for v in CODER_VALUES.get(name, ()) if v not in spec.values]
        if missing:
            raise ProtocolError(
                f"fields.{name} does not list {missing}, which the coder writes",
                path=path,
                record=f"key fields.{name}.values",
                hint=f"add {missing} to the values",
            )
        specs[name] = spec
    return specs


def check_values(values: Iterable[str], spec: FieldSpec, path: Path, where: str) -> None:
    """Raise :class:`ProtocolError` for the first of ``values`` that ``spec`` does not allow."""
    for value in values:
        if value not in spec.values:
            raise ProtocolError(
                f"value {value!r} is not a value of field {spec.name!r}",
                path=path,
                record=f"key {where}",
                hint=f"use one of {list(spec.values)} or add it under fields.{spec.name}.values",
            )
