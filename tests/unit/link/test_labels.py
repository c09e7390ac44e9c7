"""Author-year study labels (first author of the earliest linked publication)."""

from __future__ import annotations

from trialsynth.link.labels import study_labels


def _table(columns: str, *rows: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows as dicts keyed by the space-separated ``columns``."""
    names = columns.split()
    return [dict(zip(names, row, strict=True)) for row in rows]


ARTICLES = _table(
    "pmid authors year",
    ("31290965", "Fedgchin M; Trivedi M", "2019"),
    ("40000001", "Fedgchin M", "2021"),
    ("23982301", "Murrough JW; Iosifescu DV", "2013"),
    ("23982302", "Murrough JW", "2013"),
    ("37224232", "Anand A", ""),
    ("11111111", "STAR Collaborative Group", "2010"),
)
TRIALS = _table(
    "nct_id acronym",
    ("NCT02417064", "TRANSFORM-1"),
    ("NCT02418585", "TRANSFORM-2"),
    ("NCT03434041", ""),
)


def test_labels_follow_author_year_then_acronym_then_registry_id() -> None:
    studies = _table(
        "study_id nct_ids pmids",
        ("NCT02417064", "NCT02417064", "31290965;40000001"),
        ("NCT02418585", "NCT02418585", ""),
        ("NCT03434041", "NCT03434041", ""),
        ("PMID:23982301", "", "23982301"),
        ("PMID:23982302", "", "23982302"),
        ("PMID:37224232", "", "37224232"),
        ("PMID:11111111", "", "11111111"),
    )
    labels = study_labels(studies, ARTICLES, TRIALS)
    assert labels == {
        "NCT02417064": "Fedgchin 2019",  # earliest of its two reports
        "NCT02418585": "TRANSFORM-2",
        "NCT03434041": "NCT03434041",
        "PMID:23982301": "Murrough 2013a",
        "PMID:23982302": "Murrough 2013b",
        "PMID:37224232": "Anand n.d.",
        "PMID:11111111": "STAR Collaborative Group 2010",
    }
