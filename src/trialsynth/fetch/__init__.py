"""Retrieval from ClinicalTrials.gov API v2 and PubMed E-utilities into atomic raw snapshots."""
