"""Coding of studies for drug, route, condition, psychotherapy, design and comparator, with evidence."""
