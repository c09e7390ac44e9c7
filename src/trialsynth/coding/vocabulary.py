"""The allowed values of every coded field (exact spellings of coding.csv and LABELING.md)."""

from __future__ import annotations

FIELD_VALUES: dict[str, tuple[str, ...]] = {
    "drug": ("ketamine", "esketamine", "arketamine", "mixed"),
    "route": ("IV", "IM", "IN", "SL", "ORAL", "SC", "MIXED", "UNKNOWN"),
    "condition": (
        "TRD",
        "MDD",
        "bipolar_depression",
        "PTSD",
        "alcohol_use_disorder",
        "cocaine_use_disorder",
        "opioid_use_disorder",
        "other_substance_use",
        "OCD",
        "anxiety",
        "suicidal_ideation",
        "eating_disorder",
        "chronic_pain",
        "perinatal_depression",
        "other",
    ),
    "psychotherapy": ("yes", "no"),
    "psychotherapy_type": (
        "CBT",
        "mindfulness",
        "motivational",
        "exposure",
        "music",
        "experiential_existential",
        "interpersonal",
        "group",
        "integration_support",
        "other",
        "none",
    ),
    "design": ("RCT", "nonrandomized_controlled", "single_arm", "observational"),
    "comparator": (
        "placebo",
        "active_placebo",
        "ECT",
        "other_drug",
        "psychotherapy_only",
        "usual_care_waitlist",
        "none",
        "other",
    ),
}

#: Fields whose cells are ``;``-joined, sorted sets of values.
MULTI_VALUED: frozenset[str] = frozenset({"condition", "psychotherapy_type"})


def normalise_value(field: str, value: str) -> str | None:
    """The canonical cell for ``value`` of ``field`` (multi-valued: sorted, de-duplicated),
    or ``None`` when it holds a value the field does not allow."""
    allowed = FIELD_VALUES[field]
    if field in MULTI_VALUED:
        parts = sorted({p.strip() for p in value.split(";") if p.strip()})
        if not parts or any(p not in allowed for p in parts):
            return None
        if "none" in parts and len(parts) > 1:
            return None
        return ";".join(parts)
    return value.strip() if value.strip() in allowed else None
