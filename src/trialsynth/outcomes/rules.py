"""The protocol's ``outcomes`` section as compiled rules: outcome titles, data versions, arm roles.

Every rule is a case-insensitive regular expression written in ``analysis/protocol.yaml``;
nothing here knows about a particular drug or trial, so another review is a new protocol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trialsynth.errors import ProtocolError
from trialsynth.outcomes.timeframes import DEFAULT_UNIT_DAYS
from trialsynth.protocol import compile_pattern

UNSPECIFIED = "unspecified"


def _compile(patterns: list[str], key: str, path: object) -> list[re.Pattern[str]]:
    return [compile_pattern(pattern, path, key) for pattern in patterns]


@dataclass(frozen=True)
class OutcomeDefinition:
    """One outcome of the protocol (``outcomes.definitions.<name>``)."""

    name: str
    kind: str  # "binary" | "continuous" | "time_to_event" | "median"
    include: list[re.Pattern[str]]
    exclude: list[re.Pattern[str]]
    param_types: frozenset[str]
    dispersion_types: frozenset[str]
    data_version_preference: tuple[str, ...]
    effect_measures: frozenset[str] = frozenset()

    @property
    def arm_level(self) -> bool:
        """True for outcomes pooled from arm-level numbers (binary or continuous)."""
        return self.kind in ("binary", "continuous")

    def matches(self, title: str) -> bool:
        """True when ``title`` matches an include pattern and no exclude pattern."""
        return any(p.search(title) for p in self.include) and not any(
            p.search(title) for p in self.exclude
        )

    def version_rank(self, version: str) -> int | None:
        """Position of ``version`` in the preference order; ``None`` when not accepted."""
        try:
            return self.data_version_preference.index(version)
        except ValueError:
            return None


@dataclass(frozen=True)
class OutcomeRules:
    """Compiled ``outcomes`` section of the protocol."""

    definitions: dict[str, OutcomeDefinition]
    experimental: list[re.Pattern[str]]
    control: list[re.Pattern[str]]
    data_versions: dict[str, re.Pattern[str]]
    percent_units: re.Pattern[str]
    range_point: str = "end"
    unit_days: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_UNIT_DAYS))
    #: ``True`` when the protocol includes studies known only from its extraction sheets
    #: (``outcomes.sheet_only_studies: include``, e.g. a pre-screened meta-analytic dataset).
    include_sheet_only: bool = False

    def classify(self, title: str) -> list[str]:
        """Names of the outcome definitions whose title rules match ``title``."""
        return [name for name, d in self.definitions.items() if d.matches(title)]

    def for_effect_measure(self, measure: str | None) -> str | None:
        """The outcome whose ``effect_measures`` list ``measure`` (e.g. a hazard ratio row
        is a time-to-event outcome whatever its label), or ``None``."""
        if not measure:
            return None
        return next((n for n, d in self.definitions.items() if measure in d.effect_measures), None)

    def data_version(self, title: str) -> str:
        """The data version a measure title names (first match in protocol order)."""
        for name, pattern in self.data_versions.items():
            if pattern.search(title):
                return name
        return UNSPECIFIED

    def arm_role(self, *texts: str | None) -> str | None:
        """``"experimental"`` or ``"control"`` from the first text that places the arm.

        Each text (group title, then description) is tried in turn; a text matching both
        role lists or neither places nothing, and the next text is tried. ``None`` when no
        text places the arm: the caller reports the group instead of guessing.
        """
        for text in texts:
            if not text:
                continue
            is_exp = any(p.search(text) for p in self.experimental)
            is_ctl = any(p.search(text) for p in self.control)
            if is_exp and not is_ctl:
                return "experimental"
            if is_ctl and not is_exp:
                return "control"
        return None


def load_outcome_rules(protocol: dict[str, Any], path: object = "protocol") -> OutcomeRules:
    """Compile the ``outcomes`` section of a protocol already validated by its schema.

    Raises
    ------
    ProtocolError
        When the section is missing, a pattern does not compile or a preference names an
        unknown data version.
    """
    section = protocol.get("outcomes")
    if not section:
        raise ProtocolError(
            "the protocol has no 'outcomes' section",
            path=path,
            record="key outcomes",
            hint="add outcome definitions and arm-role patterns (see analysis/protocol.yaml)",
        )
    versions = {
        name: _compile([pat], f"outcomes.data_versions.{name}", path)[0]
        for name, pat in (section.get("data_versions") or {}).items()
    }
    definitions = {}
    for name, spec in section["definitions"].items():
        key = f"outcomes.definitions.{name}"
        preference = tuple(spec.get("data_version_preference") or [UNSPECIFIED])
        unknown = [v for v in preference if v != UNSPECIFIED and v not in versions]
        if unknown:
            raise ProtocolError(
                f"data_version_preference names unknown version(s) {unknown}",
                path=path,
                record=f"key {key}.data_version_preference",
                hint=f"use {UNSPECIFIED!r} or a key of outcomes.data_versions {sorted(versions)}",
            )
        definitions[name] = OutcomeDefinition(
            name=name,
            kind=spec["type"],
            include=_compile(spec["include"], f"{key}.include", path),
            exclude=_compile(spec.get("exclude") or [], f"{key}.exclude", path),
            param_types=frozenset(spec.get("param_types") or []),
            dispersion_types=frozenset(spec.get("dispersion_types") or []),
            data_version_preference=preference,
            effect_measures=frozenset(spec.get("effect_measures") or []),
        )
    roles = section["arm_roles"]
    frames = section.get("time_frames") or {}
    return OutcomeRules(
        definitions=definitions,
        experimental=_compile(roles["experimental"], "outcomes.arm_roles.experimental", path),
        control=_compile(roles["control"], "outcomes.arm_roles.control", path),
        data_versions=versions,
        percent_units=_compile(
            [section.get("percent_units") or r"percent|%"], "outcomes.percent_units", path
        )[0],
        range_point=frames.get("range_point", "end"),
        unit_days={**DEFAULT_UNIT_DAYS, **(frames.get("unit_days") or {})},
        include_sheet_only=section.get("sheet_only_studies", "exclude") == "include",
    )
