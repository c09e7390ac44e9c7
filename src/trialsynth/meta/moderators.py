"""Moderator terms to a design matrix, with R's ``model.matrix`` coding and metafor's names.

A moderator list such as ``["log(dose)", "arm", "log(dose):arm"]`` (or ``["log(dose)*arm"]``)
is the right-hand side of an R formula: ``~ log(dose) + arm + log(dose):arm``.

* A variable is a column name, or ``log(column)`` for its natural logarithm.
* Numeric columns enter as they are; text columns are factors with treatment coding, the
  reference level being the first in sorted order (R's ``factor()`` in the C locale).
* ``A:B`` is the interaction (product) of A and B; ``A*B`` expands to ``A``, ``B``, ``A:B``.
* Terms are ordered as R orders them: by degree (main effects first), then as written; the
  variables of an interaction follow the order in which they first appear.
* A factor in a term is coded by contrasts (treatment dummies) when the term without that factor
  is in the model (the intercept counts as the empty term), otherwise by one indicator per level:
  the rule of R's ``model.matrix`` (Chambers & Hastie 1992, ch. 2).
* Column names are metafor's: ``intrcpt``, ``dose``, ``armB``, ``log(dose):armB``.

:class:`Design` holds the recipe (terms, factor levels) so that new moderator values can be turned
into design rows for predictions (:meth:`Design.matrix`); :meth:`Design.as_dict` /
:meth:`Design.from_dict` carry it through the result JSON.

References
----------
Chambers, J. M. & Hastie, T. J. (1992). *Statistical Models in S*. Wadsworth (formulae, coding).
R ``stats::model.matrix``; wviechtb/metafor ``R/rma.uni.r`` (coefficient names).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trialsynth.errors import InputError
from trialsynth.meta.validate import filled_column

INTERCEPT = "intrcpt"
_LOG = re.compile(r"^log\((?P<col>[^()]+)\)$")


@dataclass(frozen=True)
class Variable:
    """One variable of the formula: a column, maybe log-transformed; numeric or a factor."""

    label: str
    column: str
    log: bool
    levels: tuple[str, ...] | None  # None: numeric

    def as_dict(self) -> dict[str, Any]:
        """JSON form (levels only for factors)."""
        out: dict[str, Any] = {"label": self.label, "column": self.column, "log": self.log}
        if self.levels is not None:
            out["levels"] = list(self.levels)
        return out


def _variable_label(text: str) -> tuple[str, str, bool]:
    label = text.strip()
    match = _LOG.match(label)
    if match:
        return label, match.group("col").strip(), True
    if not label or any(ch in label for ch in "()*:+ "):
        raise InputError(
            f"moderator {text!r} is not a column name, log(column), A:B or A*B",
            hint="write e.g. --mods dose arm 'log(dose):arm'",
        )
    return label, label, False


def parse_terms(mods: list[str]) -> list[tuple[str, ...]]:
    """Terms (tuples of variable labels) in R's order: by degree, then as written.

    ``A*B`` adds every product of its parts (``A``, ``B``, ``A:B``); duplicates are dropped.
    """
    written: list[tuple[str, ...]] = []
    for item in mods:
        for chunk in item.split("+"):
            if "*" in chunk:
                parts = [_variable_label(p)[0] for p in chunk.split("*")]
                for size in range(1, len(parts) + 1):
                    written.extend(itertools.combinations(parts, size))
            else:
                written.append(tuple(_variable_label(p)[0] for p in chunk.split(":")))
    first_seen: dict[str, int] = {}
    for term in written:
        for label in term:
            first_seen.setdefault(label, len(first_seen))
    terms: list[tuple[str, ...]] = []
    for term in written:
        ordered = tuple(sorted(dict.fromkeys(term), key=first_seen.__getitem__))
        if ordered not in terms:
            terms.append(ordered)
    return sorted(terms, key=len)  # stable: keeps the written order within a degree


def _numeric_or_text(data: pd.DataFrame, column: str, path: object | None) -> pd.Series:
    values = filled_column(
        data,
        column,
        "moderator",
        path,
        missing_hint=f"the table has columns {', '.join(map(str, data.columns))}",
        empty_hint="fill it in, or leave the row out of this analysis",
    )
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric.astype(float)
    if numeric.notna().any():
        row = int(np.flatnonzero(numeric.isna().to_numpy())[0]) + 1
        raise InputError(
            f"moderator {column} mixes numbers and text ({values.iloc[row - 1]!r})",
            path=path,
            record=f"row {row}",
            hint="write a number in every row, or text labels in every row",
        )
    return values.astype(str).str.strip()


@dataclass(frozen=True)
class Design:
    """The coding recipe of a set of moderators: variables, terms and column names."""

    mods: tuple[str, ...]
    variables: tuple[Variable, ...]
    terms: tuple[tuple[str, ...], ...]

    @property
    def names(self) -> list[str]:
        """Column names of the design matrix (metafor's coefficient names), intercept first."""
        return [INTERCEPT] + [name for term in self.terms for name in self._term_names(term)]

    def _variable(self, label: str) -> Variable:
        return next(v for v in self.variables if v.label == label)

    def _contrasts(self, term: tuple[str, ...], label: str) -> bool:
        rest = tuple(v for v in term if v != label)
        return not rest or rest in self.terms

    def _term_columns(self, term: tuple[str, ...]) -> list[list[str]]:
        """For each variable of ``term``: the level (or ``""`` for numeric) of each column part."""
        parts = []
        for label in term:
            var = self._variable(label)
            if var.levels is None:
                parts.append([""])
            else:
                levels = var.levels[1:] if self._contrasts(term, label) else var.levels
                parts.append(list(levels))
        return parts

    def _term_names(self, term: tuple[str, ...]) -> list[str]:
        parts = self._term_columns(term)
        names = []
        for combo in _first_fastest(parts):
            names.append(":".join(label + level for label, level in zip(term, combo, strict=True)))
        return names

    def matrix(self, data: pd.DataFrame, path: object | None = None) -> np.ndarray:
        """The design matrix (intercept first) of ``data``, coded with this recipe.

        Raises
        ------
        InputError
            A column is missing, empty, of the wrong kind, a factor level unknown to the fitted
            model, or a log() of a value that is not positive (names the row).
        """
        values: dict[str, np.ndarray] = {}
        for var in self.variables:
            raw = _numeric_or_text(data, var.column, path)
            if var.levels is None:
                if raw.dtype == object or pd.api.types.is_string_dtype(raw):
                    raise InputError(
                        f"moderator {var.column} must be numeric (the model was fitted so)",
                        path=path,
                        hint="give numbers for this column",
                    )
                arr = raw.to_numpy(float)
                if var.log:
                    bad = np.flatnonzero(~(arr > 0))
                    if bad.size:
                        raise InputError(
                            f"{var.label}: {arr[bad[0]]} is not positive",
                            path=path,
                            record=f"row {bad[0] + 1}",
                            hint="log() needs values above 0",
                        )
                    arr = np.log(arr)
                values[var.label] = arr
            else:
                text = raw.astype(str).to_numpy()
                unknown = [i for i, t in enumerate(text) if t not in var.levels]
                if unknown:
                    raise InputError(
                        f"moderator {var.column}: level {text[unknown[0]]!r} is not one of "
                        f"{', '.join(var.levels)}",
                        path=path,
                        record=f"row {unknown[0] + 1}",
                        hint="use a level present in the data the model was fitted on",
                    )
                values[var.label] = text
        n = len(data)
        columns = [np.ones(n)]
        for term in self.terms:
            for combo in _first_fastest(self._term_columns(term)):
                col = np.ones(n)
                for label, level in zip(term, combo, strict=True):
                    col = col * (values[label] if level == "" else (values[label] == level))
                columns.append(col.astype(float))
        return np.column_stack(columns)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: the moderators as given, the terms, the variables with factor levels and the
        coefficient names in model order (the order of ``vcov``; JSON objects may be key-sorted).
        """
        return {
            "coefficients": self.names,
            "mods": list(self.mods),
            "terms": [":".join(t) for t in self.terms],
            "variables": [v.as_dict() for v in self.variables],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Design:
        """Read :meth:`as_dict` back."""
        variables = tuple(
            Variable(
                v["label"],
                v["column"],
                bool(v["log"]),
                tuple(v["levels"]) if v.get("levels") is not None else None,
            )
            for v in data["variables"]
        )
        terms = tuple(tuple(t.split(":")) for t in data["terms"])
        return cls(tuple(data["mods"]), variables, terms)


def _first_fastest(parts: list[list[str]]) -> list[tuple[str, ...]]:
    """Combinations of the parts with the first part varying fastest (R's column order)."""
    return [tuple(reversed(c)) for c in itertools.product(*reversed(parts))]


def build_design(
    data: pd.DataFrame, mods: list[str], path: object | None = None
) -> tuple[Design, np.ndarray]:
    """The recipe and design matrix of ``mods`` on ``data`` (see the module docstring).

    Raises
    ------
    InputError
        Bad moderator syntax, a missing or empty column, text mixed with numbers, log() of a
        factor or of a value that is not positive.
    """
    terms = parse_terms(mods)
    variables: dict[str, Variable] = {}
    for term in terms:
        for label in term:
            if label in variables:
                continue
            label, column, log = _variable_label(label)
            raw = _numeric_or_text(data, column, path)
            numeric = pd.api.types.is_numeric_dtype(raw)
            if log and not numeric:
                raise InputError(
                    f"{label}: column {column} holds text; log() needs numbers",
                    path=path,
                    hint="drop log() to use the column as a factor",
                )
            levels = None if numeric else tuple(sorted(set(raw.tolist())))
            if levels is not None and len(levels) < 2:
                raise InputError(
                    f"moderator {column} has a single level ({levels[0]!r})",
                    path=path,
                    hint="a factor needs at least two levels; drop it from --mods",
                )
            variables[label] = Variable(label, column, log, levels)
    design = Design(tuple(mods), tuple(variables.values()), tuple(terms))
    return design, design.matrix(data, path)
