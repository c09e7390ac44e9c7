"""The report as a reader sees it: built by a Snakemake run, opened in a real headless Chromium.

The workflow runs on a scratch copy of the shipped snapshot in which one included trial's title
carries a script and an ``onerror=`` payload (a hostile registry record). The page must load
with no console error and no request leaving it, show every figure, keep the payload as text,
and fit a 1280 px window. A second page rendered from the same run with the protocol's
``report.table_rows`` and ``report.embed_figure_kb`` set below the shipped review's sizes stands
for a registry-scale page: it must say "Showing N of M" above every cut table and link the full
CSV and the large figures, and the links must lead to the files. A full-page screenshot is
written under the run's ``reports/`` folder, the test's tmp folder and this checkout's
``reports/`` (for a reviewer to look at).

Chromium is Debian's package (``.ci/run`` installs it); Playwright drives it through
``executable_path`` because it cannot download its own browser builds here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from workflow_support import run_snakemake, snakemake_env, stage_project

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The trial whose title is made hostile (an included study of the shipped review).
TARGET_TRIAL = "NCT02417064"
PAYLOAD = (
    ' <script>window.__injected = "script";</script>'
    '<img src="injected.png" onerror="window.__injected = \'onerror\'">'
)
SCREENSHOT_NAME = "report-1280.png"
#: Limits below the shipped review's sizes (62 screening decisions, figures of 20-260 KB).
SMALL_LIMITS = {"table_rows": 5, "embed_figure_kb": 100}

pytestmark = pytest.mark.browser


def _inject_hostile_title(raw_ctgov: Path) -> None:
    """Append the payload to the brief title of TARGET_TRIAL and re-hash the manifest."""
    manifest_path = raw_ctgov / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for page in sorted(raw_ctgov.glob("page-*.json")):
        body = json.loads(page.read_text(encoding="utf-8"))
        for study in body["studies"]:
            ident = study["protocolSection"]["identificationModule"]
            if ident["nctId"] == TARGET_TRIAL:
                ident["briefTitle"] += PAYLOAD
                page.write_text(json.dumps(body, indent=1), encoding="utf-8")
                manifest["files"][page.name] = hashlib.sha256(page.read_bytes()).hexdigest()
                manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
                return
    raise AssertionError(f"{TARGET_TRIAL} is not in the shipped snapshot")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = stage_project(tmp_path_factory.mktemp("browser-project"))
    _inject_hostile_title(root / "data/raw/ctgov")
    run = run_snakemake(root)
    assert run.returncode == 0, run.stderr[-4000:]
    return root


def _render_with_limits(project: Path, out: Path) -> None:
    """``trialsynth report`` on the run's outputs, as the report rule calls it, with the
    protocol's ``report`` block set to :data:`SMALL_LIMITS`."""
    protocol = yaml.safe_load((project / "analysis/protocol.yaml").read_text(encoding="utf-8"))
    protocol["report"] = SMALL_LIMITS
    protocol_path = project / "limits-protocol.yaml"
    protocol_path.write_text(yaml.safe_dump(protocol, sort_keys=False), encoding="utf-8")
    processed, reports = "data/processed", "reports"
    args = [
        "--protocol", str(protocol_path),
        "--manifest", "ctgov=data/raw/ctgov/manifest.json",
        "--manifest", "pubmed=data/raw/pubmed/manifest.json",
        *[f"--{name.replace('_', '-')}={processed}/{name}.{ext}" for name, ext in (
            ("prisma", "json"), ("screening", "csv"), ("coding", "csv"), ("trials", "csv"),
            ("articles", "csv"), ("studies", "csv"), ("study_labels", "csv"))],
        "--exclusions", f"{processed}/outcome_exclusions.csv",
        "--claims", "analysis/claims.yaml",
        "--certainty-overrides", "analysis/certainty_overrides.csv",
        "--analyses-dir", f"{processed}/analyses",
        "--results-dir", f"{reports}/tables",
        "--figures-dir", f"{reports}/figures",
        "--changes", f"{reports}/history/changes.json",
        "--tables-dir", f"{reports}/tables",
        "--out", str(out),
    ]  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "trialsynth", "report", *args],
        cwd=project,
        env=snakemake_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]


@pytest.fixture(scope="module")
def browser() -> Any:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def opened(project: Path, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Open the report at 1280 px and record what happened while it loaded."""
    report = project / "reports" / "report.html"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors: list[str] = []
    page_errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    shot = page.screenshot(full_page=True)
    shots = [
        project / "reports" / SCREENSHOT_NAME,
        tmp_path_factory.mktemp("screenshot") / SCREENSHOT_NAME,
    ]
    if (REPO / "reports").is_dir():
        shots.append(REPO / "reports" / SCREENSHOT_NAME)
    for path in shots:
        path.write_bytes(shot)
    yield {
        "page": page,
        "url": report.as_uri(),
        "console_errors": console_errors,
        "page_errors": page_errors,
        "requests": requests,
        "screenshots": shots,
    }
    page.close()


@pytest.fixture(scope="module")
def limited(project: Path, browser: Any) -> Any:
    """The page with :data:`SMALL_LIMITS`, open at 1280 px, and the requests it made."""
    report = project / "reports" / "report-small-limits.html"
    _render_with_limits(project, report)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri(), wait_until="load")
    yield {"page": page, "report": report, "requests": requests}
    page.close()


def _target(page: Any, link: Any) -> Path:
    """The file a link of the page leads to (resolved by the browser against the page URL)."""
    url = page.evaluate("href => new URL(href, document.baseURI).href", link.get_attribute("href"))
    assert url.startswith("file://"), url
    return Path(url[len("file://") :])


def test_a_registry_scale_page_counts_what_it_cuts_and_links_the_full_table(
    limited: dict, project: Path
) -> None:
    page = limited["page"]
    with (project / "data/processed/screening.csv").open(encoding="utf-8", newline="") as f:
        total = len(list(csv.DictReader(f)))
    assert total > SMALL_LIMITS["table_rows"]
    notice = page.locator("#cut-screening")
    assert notice.is_visible()
    assert notice.inner_text().startswith(
        f"Showing 5 of {total} screening decisions; full table: tables/screening_decisions.csv"
    )
    target = _target(page, notice.locator("a"))
    assert target == project / "reports/tables/screening_decisions.csv"
    with target.open(encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == total  # the link leads to every row
    page.eval_on_selector_all("details", "els => els.forEach(el => { el.open = true; })")
    rows = page.locator("#prisma details table tr")
    assert rows.count() == 1 + SMALL_LIMITS["table_rows"]  # header and the rows listed
    # Every cut table says so, and each link leads to a CSV with the rows of the notice.
    for name in ("screening", "included", "evidence", "exclusions", "gap"):
        cut = page.locator(f"#cut-{name}")
        assert cut.count() == 1, name
        shown, of_total = (int(n.replace(",", "")) for n in cut.inner_text().split()[1:4:2])
        with _target(page, cut.locator("a")).open(encoding="utf-8", newline="") as f:
            assert (shown, len(list(csv.DictReader(f)))) == (5, of_total), name
    assert page.locator("#screening-reasons").is_visible()  # the counts stay on the page


def test_a_figure_above_the_embed_limit_is_linked_not_requested(limited: dict) -> None:
    page = limited["page"]
    links = page.locator("p[id$='-link'] a")
    assert links.count() > 0
    for i in range(links.count()):
        target = _target(page, links.nth(i))
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", target
        assert target.stat().st_size > SMALL_LIMITS["embed_figure_kb"] * 1024
    assert limited["requests"] == [limited["report"].as_uri()]


def test_page_loads_without_errors_or_requests(opened: dict) -> None:
    assert opened["console_errors"] == []
    assert opened["page_errors"] == []
    assert opened["requests"] == [opened["url"]], "only the report itself may be requested"


def test_every_figure_is_present_and_visible(opened: dict, project: Path) -> None:
    page = opened["page"]
    protocol = yaml.safe_load((project / "analysis/protocol.yaml").read_text(encoding="utf-8"))
    expected = ["prisma-flow"]
    for analysis in protocol["analyses"]:
        expected.append(f"forest-{analysis['id']}")
        folder = project / "reports/figures" / f"sensitivity_{analysis['id']}"
        index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        drawn = [name for name, entry in index.items() if "files" in entry]
        expected += [f"{name}-{analysis['id']}" for name in drawn]
    assert any(name.startswith("leave1out-") for name in expected)
    if any(analysis.get("kind") == "decay" for analysis in protocol["analyses"]):
        expected.append("durability-figure")
    images = page.eval_on_selector_all(
        "img",
        """imgs => imgs.map(img => ({id: img.id, natural: img.naturalWidth,
            width: img.getBoundingClientRect().width, height: img.getBoundingClientRect().height,
            src: img.getAttribute('src').slice(0, 22)}))""",
    )
    by_id = {image["id"]: image for image in images}
    assert sorted(by_id) == sorted(expected)
    for image in images:
        assert image["src"].startswith("data:image/"), image  # embedded, not linked
        assert image["natural"] > 0, f"{image['id']} did not decode"
        assert image["width"] > 100 and image["height"] > 50, image
    for figure_id in expected:
        assert page.locator(f"img#{figure_id}").is_visible()


def test_hostile_title_renders_as_text_and_does_not_run(opened: dict) -> None:
    page = opened["page"]
    page.eval_on_selector_all("details", "els => els.forEach(el => { el.open = true; })")
    assert page.evaluate("window.__injected === undefined")
    assert page.locator("img[src='injected.png']").count() == 0
    body_text = page.inner_text("body")
    assert 'window.__injected = "script";' in body_text  # shown as text, visibly
    assert "onerror=" in body_text


def test_page_fits_a_1280_px_window(opened: dict) -> None:
    page = opened["page"]
    page.eval_on_selector_all("details", "els => els.forEach(el => { el.open = true; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    overflowing = page.eval_on_selector_all(
        "table, img, pre",
        """els => els.filter(el => el.getBoundingClientRect().right > 1280)
                     .map(el => el.outerHTML.slice(0, 80))""",
    )
    assert overflowing == []


def test_no_table_cell_text_runs_into_the_next_cell(opened: dict) -> None:
    """In fixed-layout tables a cell's text wraps inside its cell (a verdict once ran on)."""
    page = opened["page"]
    spilled = page.eval_on_selector_all(
        "table td span, table td code",
        """els => els.filter(el => {
                 const cell = el.closest('td').getBoundingClientRect();
                 return el.getBoundingClientRect().right > cell.right + 1;
               }).map(el => el.textContent.slice(0, 60))""",
    )
    assert spilled == []


def test_full_page_screenshot_is_written(opened: dict) -> None:
    for path in opened["screenshots"]:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        assert width == 1280, path
        assert height > 900, path  # the whole page, not the first screenful
