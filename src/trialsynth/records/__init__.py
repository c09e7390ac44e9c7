"""Parsing raw CT.gov JSON pages and PubMed efetch XML into flat tables (trials.csv, articles.csv)."""
