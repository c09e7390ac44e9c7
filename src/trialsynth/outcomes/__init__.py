"""Outcome extraction: CT.gov posted results and curated sheets, time frames in days, analysis inputs."""
