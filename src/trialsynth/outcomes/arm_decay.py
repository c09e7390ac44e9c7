"""``decay``: the logit proportion keeping the benefit per study, subgroup and horizon.

Each row holds ``yi``/``vi`` of the logit proportion (metafor ``escalc("PLO")``, with the
protocol's zero-cell rule) and ``horizon_days``: the input of a meta-regression of durability
on the horizon after the course.
"""

from __future__ import annotations

import pandas as pd

from trialsynth.meta.effect_sizes import ZeroCellSettings, compute_effect_sizes
from trialsynth.meta.measures import SINGLE_ARM, measure_names
from trialsynth.outcomes.arm_rows import ArmBuild, Built, Row, base_row, group_by, study_label

#: The registry's single-arm proportion measure (logit scale).
_PROPORTION = measure_names(SINGLE_ARM)[0]


def decay_rows(build: ArmBuild, rows: list[Row]) -> Built:
    """One ``yi``/``vi`` row per subgroup value and horizon of one study."""
    out = []
    points = group_by(rows, lambda r: (build.subgroup(r), float(r["horizon_days"])))
    for (value, days), arms in sorted(points.items()):
        chosen = build.preferred_outcome(arms)
        x, n, notes = build.combined(chosen)
        counts = pd.DataFrame({"xi": [x], "ni": [n]})
        label = study_label(chosen[0])
        sizes = compute_effect_sizes(counts, _PROPORTION, [label], build.zero_cells)
        if sizes.corrected:
            notes.append(f"zero cell: {(build.zero_cells or ZeroCellSettings()).add} added (logit)")
        row = base_row(chosen, [f"{x}/{n} keep the benefit", *notes])
        row.update(
            study=f"{label} [{value}, {days:g} d]",
            yi=float(sizes.yi[0]),
            vi=float(sizes.vi[0]),
            xi=x,
            ni=n,
        )
        out.append(row)
        build.use(chosen)
    return out
