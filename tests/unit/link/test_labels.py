"""Author-year study labels (first author of the earliest linked publication)."""

from __future__ import annotations

from trialsynth.link.labels import study_labels

ARTICLES = [
    {"pmid": "31290965", "authors": "Fedgchin M; Trivedi M", "year": "2019"},
    {"pmid": "40000001", "authors": "Fedgchin M", "year": "2021"},
    {"pmid": "23982301", "authors": "Murrough JW; Iosifescu DV", "year": "2013"},
    {"pmid": "23982302", "authors": "Murrough JW", "year": "2013"},
    {"pmid": "37224232", "authors": "Anand A", "year": ""},
    {"pmid": "11111111", "authors": "STAR Collaborative Group", "year": "2010"},
]
TRIALS = [
    {"nct_id": "NCT02417064", "acronym": "TRANSFORM-1"},
    {"nct_id": "NCT02418585", "acronym": "TRANSFORM-2"},
    {"nct_id": "NCT03434041", "acronym": ""},
]


def test_labels_follow_author_year_then_acronym_then_registry_id() -> None:
    studies = [
        {"study_id": "NCT02417064", "nct_ids": "NCT02417064", "pmids": "31290965;40000001"},
        {"study_id": "NCT02418585", "nct_ids": "NCT02418585", "pmids": ""},
        {"study_id": "NCT03434041", "nct_ids": "NCT03434041", "pmids": ""},
        {"study_id": "PMID:23982301", "nct_ids": "", "pmids": "23982301"},
        {"study_id": "PMID:23982302", "nct_ids": "", "pmids": "23982302"},
        {"study_id": "PMID:37224232", "nct_ids": "", "pmids": "37224232"},
        {"study_id": "PMID:11111111", "nct_ids": "", "pmids": "11111111"},
    ]
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
