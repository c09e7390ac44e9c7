"""Key findings in plain words: the decay model's predictions from its result file, the reason a
k = 2 Knapp-Hartung interval is wide, and the meta-regression tables of the report."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from trialsynth.cli import main
from trialsynth.formatting import format_p
from trialsynth.meta.result import MetaResult, load_result
from trialsynth.protocol import load_protocol
from trialsynth.report.findings import SummaryRow, key_finding
from trialsynth.report.regression import regression_summary
from trialsynth.tables import read_table

REPO = Path(__file__).resolve().parents[3]
DURABILITY = REPO / "tests" / "reference" / "durability"
PROTOCOL = REPO / "analysis" / "protocol.yaml"


def _row(title: str, certainty: str = "very low", k: int = 0, relative: str = "—") -> SummaryRow:
    return SummaryRow("a", title, "", "", "", k, "—", relative, "—", certainty, [])


@pytest.fixture(scope="module")
def decay(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The shipped decay table fitted as the workflow fits it (protocol model)."""
    out = tmp_path_factory.mktemp("decay") / "durability_decay.json"
    data = DURABILITY / "durability_decay.csv"
    args = ["-q", "meta", "--protocol", str(PROTOCOL), "--analysis", "durability_decay"]
    assert main([*args, "--data", str(data), "--out", str(out)]) == 0
    spec = next(a for a in load_protocol(PROTOCOL)["analyses"] if a["id"] == "durability_decay")
    rows = read_table(data).to_dict("records")
    return SimpleNamespace(
        id="durability_decay", spec=spec, rows=rows, result=load_result(out), path=out
    )


def test_the_decay_finding_states_the_predictions_of_the_result_file(
    decay: SimpleNamespace,
) -> None:
    text = key_finding(decay, _row(decay.spec["title"]))
    stored = json.loads(decay.path.read_text())
    preds = {(p["psychotherapy"], p["horizon_days"]): p for p in stored["predictions"]}

    def pct(value: float) -> str:
        return f"{100 * value:.0f}%"

    no18, yes18 = preds[("no", 18.0)], preds[("yes", 18.0)]
    no180, yes180 = preds[("no", 180.0)], preds[("yes", 180.0)]
    assert (
        f"at 18 days {pct(no18['pred'])} (95% CI {pct(no18['ci_lb'])} to {pct(no18['ci_ub'])}) "
        f"without psychotherapy and {pct(yes18['pred'])} ({pct(yes18['ci_lb'])} to "
        f"{pct(yes18['ci_ub'])}) with psychotherapy" in text
    )
    assert (
        f"at 180 days {pct(no180['pred'])} ({pct(no180['ci_lb'])} to {pct(no180['ci_ub'])}) "
        f"without psychotherapy and {pct(yes180['pred'])}" in text
    )
    # metafor (tests/reference/durability/expected.json): 0.63 (0.02-0.99) and 0.38 (0.12-0.73).
    assert "at 18 days 63% (95% CI 2% to 99%) without psychotherapy and 38% (12% to 73%)" in text
    assert "k = 10 rows from 8 studies: 3 without psychotherapy, 5 with psychotherapy" in text
    assert f"Test of all moderators, cluster-robust: p = {format_p(stored['QM_p'])}" in text
    interaction = stored["coefficients"]["log(horizon_days):psychotherapyyes"]["pval"]
    assert f"differs by psychotherapy (interaction, yes vs no): p = {format_p(interaction)}" in text
    # The caveat: arms without psychotherapy are observed only 28-56 days after the last dose.
    assert "arms without psychotherapy 28–56 days, arms with psychotherapy 28–365 days" in text
    assert "at 180 days (without psychotherapy) lie outside them and are extrapolated" in text
    assert "Across studies, not randomised." in text and "—" not in text


def test_the_report_tables_of_a_meta_regression_come_from_its_result(
    decay: SimpleNamespace,
) -> None:
    summary = regression_summary(decay.result)
    model = dict(summary["model"])
    assert model["Data"] == "10 rows from 8 clusters (study_id)"
    assert model["Test of moderators"].startswith("cluster-robust (CR1) F(3, 4) = ")
    names = [c["name"] for c in summary["coefficients"]]
    assert names == list(decay.result.coefficients)
    slope = decay.result.coefficients["log(horizon_days)"]
    row = summary["coefficients"][names.index("log(horizon_days)")]
    assert row["estimate"] == f"{slope['estimate']:.2f}" and row["p"] == format_p(slope["pval"])
    assert {"at": "horizon_days = 18, psychotherapy = no", "pred": "63%", "ci": "2% to 99%",
            "pi": "2% to 99%"} in summary["predictions"]  # fmt: skip
    assert regression_summary(_two_studies("knha").result) == {}


def _two_studies(test: str) -> SimpleNamespace:
    result = MetaResult.from_dict(
        {
            "k": 2, "yi": [2.86, 2.08], "vi": [1.13, 0.72], "estimate": 2.38, "ci_lb": -8.6,
            "ci_ub": 10.8, "study": ["A", "B"],
            "settings": {"measure": "OR", "method": "REML", "test": test, "pi": "hts",
                         "level": 95},
        }
    )  # fmt: skip
    spec = {"id": "x", "title": "Response at 24 h", "favours": ["Favours B", "Favours A"]}
    return SimpleNamespace(id="x", spec=spec, rows=[], result=result)


def test_a_k_2_knapp_hartung_finding_says_why_the_interval_is_wide() -> None:
    row = _row("Response at 24 h", "low", k=2, relative="OR 10.78 [0.00, 50730.96]")
    text = key_finding(_two_studies("knha"), row)
    assert text.startswith(
        "Response at 24 h: OR 10.78 [0.00, 50730.96] from 2 studies (k = 2: a Knapp–Hartung"
    )
    assert "1 degree of freedom and spans 12.7 standard errors either side instead of 1.96" in (
        text
    )
    assert "so it is very wide" in text
    assert "k = 2" not in key_finding(_two_studies("z"), row)


def test_an_arm_seen_at_two_horizons_counts_its_people_once() -> None:
    from trialsynth.report.certainty import single_arm_people

    codes = {"drug": "drug A", "psychotherapy": "yes"}
    rows = [
        # One arm (same source) at 28 and 56 days: 7 people, not 14.
        {"study_id": "S1", "source": "p | 'remission' | 'arm 1'", "ni": 7, **codes},
        {"study_id": "S1", "source": "p | 'remission' | 'arm 1'", "ni": 7, **codes},
        # Two arms of one study with the same codes: both count.
        {"study_id": "S2", "source": "p | 'abstinence' | 'three sessions'", "ni": 26, **codes},
        {"study_id": "S2", "source": "p | 'abstinence' | 'one session'", "ni": 27, **codes},
    ]
    assert single_arm_people(rows) == 7 + 26 + 27


def test_no_control_event_gives_no_absolute_effect_or_information_size() -> None:
    from trialsynth.report.certainty import imprecision

    # Dakwar 2019 (secondary source): abstinent 12 of 27 with the drug, 0 of 28 without.
    rows = [{"study": "Dakwar 2019", "ai": 12, "bi": 15, "ci": 0, "di": 28}]
    result = MetaResult.from_dict(
        {
            "k": 1, "yi": [3.25], "vi": [2.04], "estimate": 3.25, "ci_lb": 0.48,
            "ci_ub": 6.03, "study": ["Dakwar 2019"],
            "settings": {"measure": "RR", "method": "REML", "test": "knha", "pi": "hts",
                         "level": 95},
        }
    )  # fmt: skip
    domain = imprecision(result, rows)
    assert domain.levels == 1
    assert domain.reason == (
        "no event among 28 controls: no optimal information size can be computed; 55 participants"
    )
