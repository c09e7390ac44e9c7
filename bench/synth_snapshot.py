"""Build a large, realistic raw snapshot (N trials, M articles) in the layout a live fetch writes.

The output is ``OUT/ctgov`` (``page-NNNN.json`` pages of 1,000 studies, ``totalCount`` on the
first, ``manifest.json``) and ``OUT/pubmed`` (``esearch-NNNN.xml`` slices of at most 9,999 IDs as
the date-sliced search writes them, ``efetch-NNNN.xml`` batches of 500 articles,
``manifest.json``), written with the package's own atomic :class:`SnapshotWriter`, so every
workflow rule reads it exactly as it reads a fetched snapshot.

What the records are made of (deterministic from ``--seed``):

- The real records come first, verbatim: the 46 trials of ``data/raw/ctgov`` and the verbatim
  API v2 examples of ``tests/fixtures/records/ctgov/examples``; the 23 articles of
  ``data/raw/pubmed`` and the efetch files of ``tests/fixtures/records/pubmed/efetch``. The
  curated extraction sheets keep pointing at studies that exist.
- Every further trial is a copy of a real one under a new NCT ID (``NCT9xxxxxxx``, drawn without
  repetition), with a varied title (a design prefix and a population suffix), the conditions list
  of another real record in about a third of the copies, the arm groups in a shuffled order (one
  arm of three or more dropped now and then, and its label removed from the interventions),
  enrollment scaled by 0.5-1.5, and a last-update date moved by up to two years. Posted results
  (``resultsSection``) travel with the record they belong to in 30 % of the copies (about 11 %
  of the synthetic trials post results, near the registry's share of interventional trials).
- Every further article is a copy of a real one under a new PMID (``5xxxxxxx``; MedlineCitation
  PMID and the ``pubmed`` ArticleId), with a varied title, whose NCT IDs (DataBankList accession
  numbers and text mentions in title and abstract) are replaced by the NCT ID of a synthetic
  trial copied from the same real trial when there is one, else of any synthetic trial. A few
  articles lose their DataBankList and keep only the text mention, as older records do.

Usage::

    python bench/synth_snapshot.py --trials 10000 --articles 20000 --seed 1 --out /tmp/raw
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import re
import sys
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

from trialsynth.fetch.ctgov import read_snapshot_studies
from trialsynth.fetch.snapshot import SnapshotWriter, read_manifest
from trialsynth.fetch.transcribed import EFETCH_HEAD, ESEARCH_HEAD

REPO = Path(__file__).resolve().parents[1]
CTGOV_SOURCES = (REPO / "data/raw/ctgov", REPO / "tests/fixtures/records/ctgov/examples")
PUBMED_SOURCES = (REPO / "data/raw/pubmed", REPO / "tests/fixtures/records/pubmed/efetch")
CTGOV_PAGE_SIZE = 1000
EFETCH_BATCH = 500
ESEARCH_SLICE = 9999
RESULTS_KEPT = 0.3
TIMESTAMP = "2026-01-01T00:00:00Z"
_ARTICLE = re.compile(rb"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.S)
_FIRST_PMID = re.compile(rb'<PMID Version="\d+">(\d+)</PMID>')
_NCT = re.compile(rb"NCT\d{8}")
_TITLE = re.compile(rb"<ArticleTitle>(.*?)</ArticleTitle>", re.S)
_DATABANK = re.compile(rb"<DataBankList[^>]*>.*?</DataBankList>", re.S)
_TRIAL_PREFIXES = (
    "",
    "",
    "A Randomized Study of ",
    "Pilot Trial: ",
    "Multicenter Study of ",
    "Open-Label Extension: ",
    "Phase 2 Study of ",
)
_TRIAL_SUFFIXES = (
    "",
    "",
    " in Adults",
    " in Older Adults",
    " in Outpatients",
    " (Site Cohort)",
    " - Follow-up",
)
_ARTICLE_SUFFIXES = (
    b"",
    b"",
    b" Secondary analysis.",
    b" A multicentre replication.",
    b" Long-term follow-up.",
    b" Post hoc analysis.",
)
log = logging.getLogger("synth_snapshot")


def load_trials() -> list[dict[str, Any]]:
    """The real CT.gov study objects, first occurrence of each NCT ID, in source order."""
    seen: dict[str, dict[str, Any]] = {}
    for folder in CTGOV_SOURCES:
        for path in sorted(folder.glob("*.json")):
            if path.name == "manifest.json":
                continue
            body = json.loads(path.read_text(encoding="utf-8"))
            for study in body.get("studies", [body]):
                ident = study["protocolSection"]["identificationModule"]["nctId"]
                seen.setdefault(ident, study)
    return list(seen.values())


def load_articles() -> list[bytes]:
    """The real ``PubmedArticle`` elements (verbatim bytes), first occurrence of each PMID."""
    seen: dict[bytes, bytes] = {}
    for folder in PUBMED_SOURCES:
        for path in sorted(folder.glob("efetch*.xml")) + sorted(folder.glob("pubmed*.xml")):
            for match in _ARTICLE.finditer(path.read_bytes()):
                if match.group(1) != b"PubmedArticle":
                    continue
                pmid = _FIRST_PMID.search(match.group())
                if pmid is not None:
                    seen.setdefault(pmid.group(1), match.group())
    return list(seen.values())


def _module(study: dict[str, Any], name: str) -> dict[str, Any]:
    section: dict[str, Any] = study.setdefault("protocolSection", {})
    module: dict[str, Any] = section.setdefault(name, {})
    return module


def vary_trial(
    template: dict[str, Any], nct_id: str, rng: random.Random, conditions_pool: list[list[str]]
) -> dict[str, Any]:
    """A copy of ``template`` under ``nct_id`` with varied title, conditions, arms, size, date."""
    study = copy.deepcopy(template)
    ident = _module(study, "identificationModule")
    ident["nctId"] = nct_id
    prefix, suffix = rng.choice(_TRIAL_PREFIXES), rng.choice(_TRIAL_SUFFIXES)
    for key in ("briefTitle", "officialTitle"):
        if ident.get(key):
            ident[key] = f"{prefix}{ident[key]}{suffix}"
    if conditions_pool and rng.random() < 1 / 3:
        _module(study, "conditionsModule")["conditions"] = list(rng.choice(conditions_pool))
    arms = _module(study, "armsInterventionsModule")
    groups = arms.get("armGroups")
    if groups:
        rng.shuffle(groups)
        if len(groups) >= 3 and rng.random() < 0.25:
            dropped = groups.pop().get("label")
            for intervention in arms.get("interventions") or []:
                labels = intervention.get("armGroupLabels")
                if labels and dropped in labels and len(labels) > 1:
                    labels.remove(dropped)
    enrollment = _module(study, "designModule").get("enrollmentInfo")
    if isinstance(enrollment, dict) and isinstance(enrollment.get("count"), int):
        enrollment["count"] = max(1, round(enrollment["count"] * rng.uniform(0.5, 1.5)))
    if "resultsSection" in study and rng.random() >= RESULTS_KEPT:
        del study["resultsSection"]
        study["hasResults"] = False
    updated = _module(study, "statusModule").get("lastUpdatePostDateStruct")
    if isinstance(updated, dict) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(updated.get("date"))):
        year = min(2025, int(updated["date"][:4]) + rng.randint(0, 2))
        updated["date"] = f"{year}{updated['date'][4:]}"
    return study


def make_trials(n: int, rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """``n`` studies: the real ones, then varied copies; also ``{real NCT ID: [copies]}``."""
    real = load_trials()
    studies = real[:n]
    copies: dict[str, list[str]] = defaultdict(list)
    pool = [
        list(c)
        for c in {
            tuple(s["protocolSection"].get("conditionsModule", {}).get("conditions") or [])
            for s in real
        }
        if c
    ]
    pool.sort()
    new_ids = rng.sample(range(10**7), max(0, n - len(studies)))
    for number in new_ids:
        template = rng.choice(real)
        source_id = template["protocolSection"]["identificationModule"]["nctId"]
        nct_id = f"NCT9{number:07d}"
        studies.append(vary_trial(template, nct_id, rng, pool))
        copies[source_id].append(nct_id)
    return studies, copies


def vary_article(
    template: bytes,
    pmid: int,
    rng: random.Random,
    copies: dict[str, list[str]],
    all_copies: list[str],
) -> bytes:
    """A copy of ``template`` under ``pmid``, its NCT IDs mapped onto synthetic trials."""
    old_pmid = _FIRST_PMID.search(template)
    assert old_pmid is not None
    text = template.replace(
        b'<ArticleId IdType="pubmed">' + old_pmid.group(1) + b"</ArticleId>",
        b'<ArticleId IdType="pubmed">%d</ArticleId>' % pmid,
    )
    text = _FIRST_PMID.sub(b'<PMID Version="1">%d</PMID>' % pmid, text, count=1)
    mapping: dict[bytes, bytes] = {}
    for old in dict.fromkeys(_NCT.findall(text)):
        candidates = copies.get(old.decode()) or all_copies
        if candidates:
            mapping[old] = rng.choice(candidates).encode()
    if mapping:
        text = _NCT.sub(lambda m: mapping.get(m.group(), m.group()), text)
    suffix = rng.choice(_ARTICLE_SUFFIXES)
    if suffix:
        text = _TITLE.sub(lambda m: b"<ArticleTitle>%s%s</ArticleTitle>" % (m[1], suffix), text)
    if rng.random() < 0.1 and _DATABANK.search(text):
        without = _DATABANK.sub(b"", text)
        if _NCT.search(without):  # the trial is still named in the text
            text = without
    return text


def make_articles(m: int, rng: random.Random, copies: dict[str, list[str]]) -> list[bytes]:
    """``m`` articles: the real ones, then varied copies under new PMIDs."""
    real = load_articles()
    articles = real[:m]
    all_copies = sorted(n for ids in copies.values() for n in ids)
    for number in rng.sample(range(10**7), max(0, m - len(articles))):
        pmid = 50_000_000 + number
        articles.append(vary_article(rng.choice(real), pmid, rng, copies, all_copies))
    return articles


def _manifest(what: str, count: int, seed: int, **extra: Any) -> dict[str, Any]:
    return {
        "source": (
            f"synthetic benchmark snapshot: {count} {what} built by bench/synth_snapshot.py "
            f"(seed {seed}) from the shapes of the real records; NOT a live API response"
        ),
        "base_url": None,
        "query": {"generator": "bench/synth_snapshot.py", "seed": seed},
        "requests": [],
        "api_version": None,
        "data_timestamp": TIMESTAMP,
        "counts": {"expected": count, "received": count, **extra},
        "started_utc": TIMESTAMP,
        "finished_utc": TIMESTAMP,
    }


def write_ctgov(out: Path, studies: list[dict[str, Any]], seed: int) -> None:
    """Pages of :data:`CTGOV_PAGE_SIZE` studies, the first with ``totalCount``."""
    with SnapshotWriter(out) as snapshot:
        for number, start in enumerate(range(0, max(len(studies), 1), CTGOV_PAGE_SIZE), start=1):
            page: dict[str, Any] = {"studies": studies[start : start + CTGOV_PAGE_SIZE]}
            if number == 1:
                page["totalCount"] = len(studies)
            data = json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            snapshot.write_bytes(f"page-{number:04d}.json", data)
        snapshot.commit(_manifest("CT.gov study records", len(studies), seed))


def _pmid(article: bytes) -> str:
    match = _FIRST_PMID.search(article)
    assert match is not None
    return match.group(1).decode()


def write_pubmed(out: Path, articles: list[bytes], seed: int) -> None:
    """esearch slices of at most :data:`ESEARCH_SLICE` IDs, efetch batches of
    :data:`EFETCH_BATCH` articles."""
    pmids = [_pmid(a) for a in articles]
    with SnapshotWriter(out) as snapshot:
        for number, start in enumerate(range(0, max(len(pmids), 1), ESEARCH_SLICE), start=1):
            ids = pmids[start : start + ESEARCH_SLICE]
            text = (
                f"{ESEARCH_HEAD}<eSearchResult><Count>{len(ids)}</Count>"
                f"<RetMax>{len(ids)}</RetMax><RetStart>0</RetStart>"
                f"<QueryKey>{number}</QueryKey><WebEnv>SYNTHETIC_{seed}</WebEnv><IdList>\n"
                + "".join(f"<Id>{p}</Id>\n" for p in ids)
                + f"</IdList><TranslationSet/><QueryTranslation>{escape('synthetic')}"
                "</QueryTranslation></eSearchResult>\n"
            )
            snapshot.write_bytes(f"esearch-{number:04d}.xml", text.encode("utf-8"))
        for number, start in enumerate(range(0, len(articles), EFETCH_BATCH), start=1):
            body = b"\n".join(articles[start : start + EFETCH_BATCH])
            data = b"%s<PubmedArticleSet>\n%s\n</PubmedArticleSet>\n" % (EFETCH_HEAD.encode(), body)
            snapshot.write_bytes(f"efetch-{number:04d}.xml", data)
        snapshot.commit(_manifest("PubMed records", len(articles), seed, duplicates_ignored=0))


def rewrite_ctgov(folder: Path, every: int = 100) -> int:
    """Change every ``every``-th study of a CT.gov snapshot as a registry update would (a newer
    last-update date, one more participant enrolled) and rewrite the snapshot as a
    ``fetch ctgov --since`` merge does (pages sorted by NCT ID). Returns the number changed."""
    manifest = read_manifest(folder)
    studies = read_snapshot_studies(folder)
    changed = []
    for study in studies[::every]:
        _module(study, "statusModule")["lastUpdatePostDateStruct"] = {
            "date": "2026-01-15",
            "type": "ACTUAL",
        }
        enrollment = _module(study, "designModule").setdefault("enrollmentInfo", {})
        enrollment["count"] = int(enrollment.get("count") or 0) + 1
        changed.append(study["protocolSection"]["identificationModule"]["nctId"])
    studies.sort(key=lambda s: s["protocolSection"]["identificationModule"]["nctId"])
    with SnapshotWriter(folder) as snapshot:
        for number, start in enumerate(range(0, max(len(studies), 1), CTGOV_PAGE_SIZE), start=1):
            page: dict[str, Any] = {"studies": studies[start : start + CTGOV_PAGE_SIZE]}
            if number == 1:
                page["totalCount"] = len(studies)
            snapshot.write_json(f"page-{number:04d}.json", page)
        snapshot.commit(
            {
                **{k: v for k, v in manifest.items() if k not in ("files", "trialsynth_version")},
                "source": "live (--since merge)",
                "since": "2026-01-01",
                "changed": {"added": [], "updated": sorted(changed)},
            }
        )
    return len(changed)


def build(out: Path, n_trials: int, n_articles: int, seed: int) -> None:
    """Write ``out/ctgov`` and ``out/pubmed`` (each replaced atomically)."""
    rng = random.Random(seed)
    studies, copies = make_trials(n_trials, rng)
    articles = make_articles(n_articles, rng, copies)
    write_ctgov(out / "ctgov", studies, seed)
    write_pubmed(out / "pubmed", articles, seed)
    log.info("wrote %d trials and %d articles to %s", len(studies), len(articles), out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder receiving ctgov/, pubmed/")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.out, args.trials, args.articles, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
