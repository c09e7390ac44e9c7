"""Benchmark: ``trialsynth parse ctgov`` on 10,000 CT.gov records (goal: <= 10 s, <= 1 GiB).

Builds a raw snapshot in a temporary folder by replicating the real records of
``tests/fixtures/records/ctgov`` (46 transcribed ketamine records and the verbatim API v2
examples) with new NCT IDs (``NCT9xxxxxxx``), in pages of 1000 like a paged fetch. Then runs the
command in a child process and reports its wall time and peak resident memory (the child's
``ru_maxrss`` from ``resource.getrusage(RUSAGE_CHILDREN)``, which on Linux is in KiB).
``--source pubmed`` does the same for ``parse pubmed`` with the real efetch articles of
``tests/fixtures/records/pubmed`` under new PMIDs, in efetch files of ``--page-size`` articles.

    python bench/bench_parse.py [--source ctgov|pubmed] [--records 10000] [--page-size 1000]
                                [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "records" / "ctgov"
PUBMED_FIXTURES = REPO / "tests" / "fixtures" / "records" / "pubmed"
_ARTICLE = re.compile(rb"<PubmedArticle>.*?</PubmedArticle>", re.DOTALL)
_FIRST_PMID = re.compile(rb'<PMID Version="1">\d+</PMID>')
_EFETCH_HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
log = logging.getLogger("bench_parse")


def load_templates() -> list[dict[str, Any]]:
    """The real study objects to replicate (single records and the studies of page files)."""
    studies: list[dict[str, Any]] = []
    for path in sorted(FIXTURES.glob("*/*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        studies.extend(body.get("studies", [body]))
    if not studies:
        raise SystemExit(f"no CT.gov fixtures under {FIXTURES}")
    return studies


def build_snapshot(raw: Path, n_records: int, page_size: int) -> int:
    """Write ``page-NNNN.json`` files holding ``n_records`` studies; return the bytes written."""
    templates = load_templates()
    raw.mkdir(parents=True)
    written = 0
    for page_number, first in enumerate(range(0, n_records, page_size), start=1):
        studies = []
        for i in range(first, min(first + page_size, n_records)):
            study = templates[i % len(templates)]
            ident = study.setdefault("protocolSection", {}).setdefault("identificationModule", {})
            ident["nctId"] = f"NCT9{i:07d}"
            studies.append(json.dumps(study, ensure_ascii=False))
        text = '{"studies": [' + ", ".join(studies) + "]}"
        path = raw / f"page-{page_number:04d}.json"
        path.write_text(text, encoding="utf-8")
        written += path.stat().st_size
    return written


def build_pubmed_snapshot(raw: Path, n_records: int, page_size: int) -> int:
    """Write ``efetch-NNNN.xml`` files holding ``n_records`` real articles under new PMIDs (the
    MedlineCitation PMID, the first in each article); return the bytes written."""
    articles = [
        match.group()
        for path in sorted(PUBMED_FIXTURES.glob("*/*.xml"))
        for match in _ARTICLE.finditer(path.read_bytes())
    ]
    raw.mkdir(parents=True)
    written = 0
    for file_number, first in enumerate(range(0, n_records, page_size), start=1):
        chunks = [_EFETCH_HEAD]
        for i in range(first, min(first + page_size, n_records)):
            new_pmid = b'<PMID Version="1">%d</PMID>' % (90_000_000 + i)
            chunks.append(_FIRST_PMID.sub(new_pmid, articles[i % len(articles)], count=1))
        chunks.append(b"\n</PubmedArticleSet>\n")
        path = raw / f"efetch-{file_number:04d}.xml"
        path.write_bytes(b"".join(chunks))
        written += path.stat().st_size
    return written


def run_parse(source: str, raw: Path, out: Path) -> float:
    """Run ``trialsynth parse SOURCE`` in a child process; return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "trialsynth",
            "-q",
            "parse",
            source,
            "--raw",
            str(raw),
            "--out",
            str(out),
        ],
        check=True,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("ctgov", "pubmed"), default="ctgov")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="bench_parse_") as tmp:
        raw, out = Path(tmp) / args.source, Path(tmp) / "table.csv"
        build = build_snapshot if args.source == "ctgov" else build_pubmed_snapshot
        size = build(raw, args.records, args.page_size)
        log.info("snapshot: %d %s records, %.1f MiB", args.records, args.source, size / 2**20)
        times = [run_parse(args.source, raw, out) for _ in range(args.repeat)]
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with out.open(encoding="utf-8", newline="") as handle:
            n_rows = sum(1 for _ in csv.reader(handle)) - 1
    log.info(
        "parse %s: %d rows; wall median %.2f s (min %.2f, max %.2f, n=%d); peak RSS %.0f MiB",
        args.source,
        n_rows,
        statistics.median(times),
        min(times),
        max(times),
        len(times),
        peak_mib,
    )
    if args.source == "ctgov":
        met = max(times) <= 10 and peak_mib <= 1024
        log.info("goal (ctgov): <= 10 s and <= 1024 MiB -> %s", "met" if met else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
