"""Build extraction/metapsy_psilocybin_posttest.csv from the Metapsy psilocybin dataset.

Run from the repository root (the dataset path may be given as the first argument):

    python examples/psilocybin-depression/build_extraction.py \
        ../shared/data/meta_datasets/metapsy_data-depression-psiloctr/data.csv

Selection (one comparison per study, numbers only, no text copied from the papers):
the primary instrument (``primary_instrument == 1``) at the primary time point
(``primary_timepoint == 1``), endpoint means and SDs (``outcome_type`` ``msd``, or ``imsd``
when the dataset only has imputed endpoint means). In a multi-arm study the control arm is the
arm never listed as ``arm1`` (the placebo or lowest dose), compared with the highest dose
(the first such row). Every row keeps its locator: the dataset row number and the article DOI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = (
    HERE.parents[2] / "shared" / "data" / "meta_datasets" / "metapsy_data-depression-psiloctr"
)
OUT = HERE / "extraction" / "metapsy_psilocybin_posttest.csv"
COLUMNS = [
    "trial",
    "nct_id",
    "pmid",
    "source_id",
    "source_url",
    "outcome",
    "timepoint_days",
    "arm",
    "arm_n",
    "events",
    "percent",
    "mean",
    "sd",
    "notes",
]


def _label(drug: object, dose: object) -> str:
    parts = [str(v) for v in (drug, dose) if isinstance(v, str) and v.strip()]
    return " ".join(parts)


def build(source: Path) -> pd.DataFrame:
    data = pd.read_csv(source, sep=";", decimal=",")
    data["row"] = data.index + 2  # CSV line number (header is line 1)
    chosen = data[
        (data["primary_instrument"] == 1)
        & (data["primary_timepoint"] == 1)
        & data["outcome_type"].isin(["msd", "imsd"])
    ]
    rows = []
    for study, group in chosen.groupby("study", sort=True):
        first_arms = set(group["multi_arm1"].dropna())
        row = group[~group["multi_arm2"].isin(first_arms)].iloc[0]
        nct = str(row["registration_number"])
        if not nct.startswith("NCT"):
            print(f"{study}: registration {nct} is not an NCT ID; left out", file=sys.stderr)
            continue
        doi = str(row["doi"]).split(";")[0].strip()
        common = {
            "trial": study,
            "nct_id": nct,
            "pmid": None,
            "source_id": f"Metapsy data-depression-psiloctr data.csv line {row['row']}",
            "source_url": f"https://doi.org/{doi}",
            "outcome": f"depression score after treatment ({row['instrument']})",
            "timepoint_days": int(row["time_days"]),
            "notes": f"outcome_type {row['outcome_type']}; design {row['design']}",
        }
        for arm, role in (("arm1", "experimental"), ("arm2", "control")):
            rows.append(
                {
                    **common,
                    "arm": f"{role}: {_label(row[f'drug_{arm}'], row[f'dose_{arm}'])}",
                    "arm_n": int(row[f"n_{arm}"]),
                    "mean": row[f"mean_{arm}"],
                    "sd": row[f"sd_{arm}"],
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE / "data.csv"
    table = build(source)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False, lineterminator="\n", float_format="%.10g")
    print(f"wrote {OUT} ({table['trial'].nunique()} studies, {len(table)} arms)")


if __name__ == "__main__":
    main()
