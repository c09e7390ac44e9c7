"""Table schemas of the coding stage completed with the codebook's values.

``coding.schema.json`` and ``arms.schema.json`` fix the columns and their types; which values a
coded column may hold is the codebook's ``fields`` block. :func:`schema_with_values` adds to each
coded column the pattern of its allowed values, so the tables are checked against the codebook
the run used and no value list is copied into a schema file.
"""

from __future__ import annotations

import copy
from typing import Any

from trialsynth.code.codebook import Codebook
from trialsynth.tables import load_schema


def schema_with_values(name: str, codebook: Codebook) -> dict[str, Any]:
    """The schema ``name`` with every coded column restricted to the codebook's values.

    A column is a coded column when its name is a field of the codebook (``drug``,
    ``psychotherapy_type`` ...); its ``pattern`` becomes
    :meth:`trialsynth.code.fields.FieldSpec.cell_pattern` and its description names the source.
    """
    schema = copy.deepcopy(load_schema(name))
    for column, prop in schema.get("properties", {}).items():
        spec = codebook.fields.get(column)
        if spec is None:
            continue
        prop["pattern"] = spec.cell_pattern()
        prop["description"] = (
            f"{prop.get('description', column)} (values from {codebook.source or 'the codebook'})"
        )
    return schema
