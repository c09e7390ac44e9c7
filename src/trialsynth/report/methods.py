"""Methods text generated from the protocol's settings, with the methods' references.

Every sentence states a setting the pipeline used (read from ``protocol.yaml``), so the text
changes when the protocol does. References are the methods' primary sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ESTIMATOR_NAMES = {
    "REML": "restricted maximum likelihood (REML; Viechtbauer 2005)",
    "DL": "the DerSimonian–Laird method (DerSimonian & Laird 1986)",
    "PM": "the Paule–Mandel method (Paule & Mandel 1982)",
    "ML": "maximum likelihood (ML)",
    "HE": "the Hedges estimator (Hedges & Olkin 1985)",
    "FE": "a common-effect (fixed-effect) model",
}
TEST_TEXT = {
    "adhoc": (
        "Confidence intervals use the Hartung–Knapp–Sidik–Jonkman method (Knapp & Hartung "
        "2003) with the ad hoc variance correction that never lets the interval be narrower "
        "than the normal-theory one (Röver, Knapp & Friede 2015)"
    ),
    "knha": "Confidence intervals use the Knapp–Hartung method (Knapp & Hartung 2003)",
    "z": "Confidence intervals use the normal (Wald) approximation",
}
PI_TEXT = {
    "hts": (
        "Prediction intervals follow Higgins, Thompson & Spiegelhalter (2009), with a t "
        "distribution on k − 2 degrees of freedom; with one study no prediction interval is "
        "reported"
    ),
    "normal": "Prediction intervals use the normal distribution",
}
REFERENCES = (
    "DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986;7:177-88.",
    "Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the "
    "random-effects model. J Educ Behav Stat 2005;30:261-93.",
    "Knapp G, Hartung J. Improved tests for a random effects meta-regression with a single "
    "covariate. Stat Med 2003;22:2693-710.",
    "Röver C, Knapp G, Friede T. Hartung-Knapp-Sidik-Jonkman approach and its modification "
    "for random-effects meta-analysis with few studies. BMC Med Res Methodol 2015;15:99.",
    "Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects "
    "meta-analysis. J R Stat Soc A 2009;172:137-59.",
    "Viechtbauer W. Confidence intervals for the amount of heterogeneity in meta-analysis. "
    "Stat Med 2007;26:37-52 (Q-profile).",
    "Sweeting MJ, Sutton AJ, Lambert PC. What to add to nothing? Use and avoidance of "
    "continuity corrections in meta-analysis of sparse data. Stat Med 2004;23:1351-75.",
    "Egger M, Davey Smith G, Schneider M, Minder C. Bias in meta-analysis detected by a "
    "simple, graphical test. BMJ 1997;315:629-34.",
    "Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement. BMJ 2021;372:n71.",
    "Olkin I, Dahabreh IJ, Trikalinos TA. GOSH - a graphical display of study heterogeneity. "
    "Res Synth Methods 2012;3:214-23.",
    "Guyatt GH, Oxman AD, Kunz R, et al. GRADE guidelines 6: rating the quality of evidence, "
    "imprecision. J Clin Epidemiol 2011;64:1283-93.",
    "Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw "
    "2010;36(3).",
)


def _zero_cells(zero: Mapping[str, Any]) -> str:
    add = zero.get("add", 0.5)
    to = zero.get("to", "only0")
    where = {
        "only0": "to every cell of a study with a zero cell",
        "all": "to every cell of every study",
        "if0all": "to every study when any study has a zero cell",
        "none": "nowhere",
    }.get(str(to), f"by rule '{to}'")
    text = f"For two-arm counts, {add} is added {where} (Sweeting et al. 2004)"
    if zero.get("drop00"):
        text += "; studies with no events in either arm are left out and listed"
    else:
        text += "; studies with no events in either arm are kept with the correction"
    return text + "."


def methods_paragraphs(protocol: Mapping[str, Any]) -> list[str]:
    """The methods section as paragraphs of plain text."""
    meta = protocol.get("meta", {})
    method = str(meta.get("method", "REML"))
    test = str(meta.get("test", "adhoc"))
    pi = str(meta.get("pi", "hts"))
    level = meta.get("level", 95)
    sources = protocol.get("sources", {})
    searched = []
    if "ctgov" in sources:
        searched.append("ClinicalTrials.gov (API v2; register)")
    if "pubmed" in sources:
        searched.append("PubMed (E-utilities; database)")
    analyses = protocol.get("analyses", [])
    return [
        (
            f"Searches: {' and '.join(searched) or 'no source named'}, with the queries under "
            "Search and provenance. Registry and publication records are linked into studies "
            "(a trial with its reports), screened against the protocol's eligibility rules, and "
            "counted as PRISMA 2020 recommends (Page et al. 2021); a study the rules cannot "
            "decide waits for a reviewer and is never guessed."
        ),
        (
            f"Each of the {len(analyses)} analyses pools one effect per study with a "
            f"random-effects model; the between-study variance τ² is estimated by "
            f"{ESTIMATOR_NAMES.get(method, method)}. {TEST_TEXT.get(test, test)}. "
            f"{PI_TEXT.get(pi, pi)}. Confidence intervals for τ² and I² use the Q-profile "
            f"method (Viechtbauer 2007). All intervals are at the {level}% level. The numbers "
            "equal those of R's metafor (Viechtbauer 2010), which the test suite checks."
        ),
        _zero_cells(meta.get("zero_cells", {})),
        (
            "Multi-arm trials contribute one comparison: arms of the same kind are combined "
            "(events and totals summed; means and SDs combined as the Cochrane Handbook "
            "6.5.2.10 describes). Subgroups named in the protocol are pooled separately and "
            "compared with the Q test for subgroup differences."
        ),
        (
            "Sensitivity: each analysis with k ≥ 3 is refitted leaving out each study in turn "
            "and under the REML, DerSimonian–Laird, Paule–Mandel and ML estimators with and "
            "without the Knapp–Hartung test; with 6 to 20 studies a GOSH plot shows every subset "
            "(Olkin et al. 2012). Small-study effects are examined with a funnel "
            "plot and Egger's regression test only when k ≥ 10 (Egger et al. 1997)."
        ),
        (
            "Certainty of the evidence is drafted with GRADE-style rules (Guyatt et al. 2011) "
            "stated under Summary of findings; a reviewer's decision overrides a rule and is "
            "shown as such."
        ),
    ]
