"""``trialsynth parse ctgov`` end to end on real records (no network, no Snakemake)."""

from __future__ import annotations

import json
from pathlib import Path

from trialsynth.cli import main
from trialsynth.tables import read_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records" / "ctgov" / "records"


def make_raw(folder: Path, studies: list[object]) -> Path:
    folder.mkdir(parents=True)
    (folder / "page-0001.json").write_text(json.dumps({"studies": studies}), encoding="utf-8")
    return folder


def real(nct_id: str) -> dict[str, object]:
    return json.loads((FIXTURES / f"{nct_id}.json").read_text(encoding="utf-8"))


def test_writes_trials_and_skipped(tmp_path: Path) -> None:
    bad = real("NCT02493868")
    bad["protocolSection"]["identificationModule"]["nctId"] = "NCT-2493868"  # type: ignore[index]
    raw = make_raw(tmp_path / "raw", [real("NCT02417064"), real("NCT02493868"), bad])
    out, skipped = tmp_path / "out" / "trials.csv", tmp_path / "out" / "trials_skipped.csv"
    status = main(
        ["parse", "ctgov", "--raw", str(raw), "--out", str(out), "--skipped", str(skipped)]
    )
    assert status == 0
    trials = read_table(out, "trials")
    assert trials["nct_id"].tolist() == ["NCT02417064", "NCT02493868"]
    assert trials.set_index("nct_id").loc["NCT02493868", "acronym"] == "SUSTAIN-1"
    listed = read_table(skipped, "skipped")
    assert listed.values.tolist() == [
        ["page-0001.json", "studies[2] 'NCT-2493868'", "invalid NCT ID (not NCT + 8 digits)"]
    ]


def test_bad_page_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    raw = make_raw(tmp_path / "raw", [real("NCT02417064")])
    (raw / "page-0002.json").write_bytes(b'{"studies": [\xff]}')
    out, skipped = tmp_path / "trials.csv", tmp_path / "skipped.csv"
    status = main(
        ["parse", "ctgov", "--raw", str(raw), "--out", str(out), "--skipped", str(skipped)]
    )
    assert status == 2
    assert not out.exists() and not skipped.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]
