"""Outcome extraction: CT.gov posted results and curated sheets, time frames in days,
one metafor-style input table per analysis."""
