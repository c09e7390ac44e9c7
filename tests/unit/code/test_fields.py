"""Field rules on small studies and on real records: values, evidence, flags, negation."""

from __future__ import annotations

import pytest

from trialsynth.code import Codebook, code_study
from trialsynth.errors import InputError

from .conftest import make_study, real_record

KETAMINE_IV = {"type": "DRUG", "name": "Ketamine", "description": "0.5 mg/kg intravenous"}


def test_esketamine_spray_is_intranasal_with_evidence(codebook: Codebook) -> None:
    study = make_study(
        interventions=[{"type": "DRUG", "name": "Esketamine nasal spray"}],
        conditions=["Treatment-resistant Depression", "Major Depressive Disorder"],
    )
    coded = code_study(study, codebook)
    assert coded.values["drug"] == "esketamine"
    assert coded.values["route"] == "IN"
    assert coded.values["condition"] == "TRD"
    expected = 'armsInterventionsModule.interventions[0].name: "Esketamine nasal spray"'
    assert coded.evidence["route"] == expected
    assert coded.evidence["drug"] == expected


def test_two_routes_are_mixed_and_flagged(codebook: Codebook) -> None:
    study = make_study(
        interventions=[
            {"type": "DRUG", "name": "Ketamine", "description": "intramuscular injection"},
            {"type": "DRUG", "name": "Ketamine lozenge", "description": "sublingual troche"},
        ]
    )
    coded = code_study(study, codebook)
    assert coded.values["route"] == "MIXED"
    assert "route_conflict" in coded.flags
    assert "interventions[0].description" in str(coded.evidence["route"])
    assert "interventions[1]" in str(coded.evidence["route"])


def test_two_ketamine_family_drugs_are_mixed(codebook: Codebook) -> None:
    study = make_study(
        interventions=[{"type": "DRUG", "name": "Esketamine"}, {"type": "DRUG", "name": "Ketamine"}]
    )
    assert code_study(study, codebook).values["drug"] == "mixed"


def test_oral_antidepressant_is_not_a_ketamine_route(codebook: Codebook) -> None:
    study = make_study(
        title="Intranasal Esketamine Plus an Oral Antidepressant in Treatment-resistant Depression"
    )
    coded = code_study(study, codebook)
    assert coded.values["route"] == "IN"
    assert coded.values["drug"] == "esketamine"


def test_record_without_arms_or_interventions_is_coded_with_reasons(codebook: Codebook) -> None:
    coded = code_study(make_study(title="Ketamine for Depression"), codebook)
    assert coded.values["route"] == "UNKNOWN"
    assert coded.values["design"] == "single_arm"
    assert coded.values["comparator"] == "none"
    assert {"no_arms", "no_interventions", "route_not_stated"} <= set(coded.flags)


def test_record_with_nothing_coded_says_why(codebook: Codebook) -> None:
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}}
    coded = code_study(study, codebook)
    assert coded.values["condition"] == "other"
    assert {"condition_not_stated", "drug_not_named", "route_not_stated"} <= set(coded.flags)


def test_malformed_field_is_flagged_not_fatal(codebook: Codebook) -> None:
    study = make_study(title="Ketamine in PTSD")
    study["protocolSection"]["conditionsModule"] = {"conditions": "PTSD"}
    coded = code_study(study, codebook)
    assert "malformed_fields" in coded.flags
    assert coded.values["condition"] == "PTSD"


def test_study_without_nct_id_is_an_input_error(codebook: Codebook) -> None:
    with pytest.raises(InputError, match="nctId"):
        code_study({"protocolSection": {}}, codebook)


@pytest.mark.parametrize(
    "summary",
    [
        "Ketamine is given without psychotherapy.",
        "Participants continue their own outside therapy during the trial.",
        "First-line treatments such as cognitive behavioral therapy often fail.",
    ],
)
def test_negated_or_background_therapy_is_not_psychotherapy(
    codebook: Codebook, summary: str
) -> None:
    coded = code_study(make_study(interventions=[KETAMINE_IV], summary=summary), codebook)
    assert (coded.values["psychotherapy"], coded.values["psychotherapy_type"]) == ("no", "none")


def test_behavioural_intervention_name_decides_the_modality(codebook: Codebook) -> None:
    coded = code_study(real_record("NCT02062658"), codebook)
    assert coded.values["psychotherapy"] == "yes"
    # the description calls ERP "a type of CBT"; the name decides: exposure only
    assert coded.values["psychotherapy_type"] == "exposure"


def test_named_modalities_in_standard_of_care_are_all_listed(codebook: Codebook) -> None:
    coded = code_study(real_record("NCT03185819"), codebook)
    assert coded.values["psychotherapy_type"] == "CBT;interpersonal;other"
    assert coded.values["comparator"] == "active_placebo"


def test_suicidality_in_exclusion_criteria_is_not_a_condition(codebook: Codebook) -> None:
    study = make_study(
        conditions=["Obsessive-Compulsive Disorder"],
        eligibility="Inclusion Criteria:\n* OCD\n\nExclusion Criteria:\n* Active suicidal ideation",
    )
    assert code_study(study, codebook).values["condition"] == "OCD"


def test_treatment_resistance_replaces_mdd(codebook: Codebook) -> None:
    study = make_study(
        conditions=["Depression"],
        summary="Patients with treatment-resistant depression receive intravenous ketamine.",
    )
    coded = code_study(study, codebook)
    assert coded.values["condition"] == "TRD"
    assert coded.values["route"] == "IV"


@pytest.mark.parametrize(
    ("allocation", "design"),
    [("RANDOMIZED", "RCT"), ("NON_RANDOMIZED", "nonrandomized_controlled"), ("NA", "single_arm")],
)
def test_registry_allocation_decides_design(
    codebook: Codebook, allocation: str, design: str
) -> None:
    study = make_study(allocation=allocation, interventions=[KETAMINE_IV])
    assert code_study(study, codebook).values["design"] == design


def test_retrospective_review_is_observational(codebook: Codebook) -> None:
    coded = code_study(real_record("NCT05604794"), codebook)
    assert coded.values["design"] == "observational"
    assert coded.values["psychotherapy_type"] == "integration_support"


@pytest.mark.parametrize(
    ("nct_id", "comparator"),
    [
        ("NCT00749203", "active_placebo"),  # midazolam
        ("NCT04234776", "other_drug"),  # title: versus aripiprazole and escitalopram
        ("NCT04011592", "other"),  # two ketamine doses, crossover
        ("NCT03434041", "placebo"),  # only in the posted result groups
        ("NCT02062658", "none"),  # single arm
    ],
)
def test_comparator_on_real_records(codebook: Codebook, nct_id: str, comparator: str) -> None:
    assert code_study(real_record(nct_id), codebook).values["comparator"] == comparator


def test_arketamine_code_name(codebook: Codebook) -> None:
    coded = code_study(real_record("NCT05414422"), codebook)
    assert coded.values["drug"] == "arketamine"
    assert coded.values["route"] == "IV"
    assert "route_from_context" in coded.flags


def test_broad_conditions_beside_a_specific_disorder_are_not_targets(codebook: Codebook) -> None:
    coded = code_study(real_record("NCT00749203"), codebook)
    assert coded.values["condition"] == "PTSD"
    assert "condition_broad_term_ignored" in coded.flags
    assert "Post-Traumatic" in str(coded.evidence["condition"])


@pytest.mark.parametrize(
    ("title", "conditions", "expected"),
    [
        # No condition in the title: the broad terms are all the record says.
        ("Ketamine-Assisted Psychotherapy", ["PTSD", "Depression", "Anxiety"], "MDD;PTSD;anxiety"),
        # Suicidal ideation is a state of the depressed population, not a disorder of its own.
        ("Ketamine for Suicidal Ideation", ["Depression"], "MDD;suicidal_ideation"),
        # "Depression" is the parent of bipolar depression.
        ("Ketamine in Bipolar Depression", ["Depression"], "bipolar_depression"),
        # A specific entry is never dropped.
        (
            "Ketamine for OCD",
            ["Obsessive-Compulsive Disorder", "Major Depressive Disorder"],
            "MDD;OCD",
        ),
        # The title names the broad term's value: it stays.
        ("Ketamine for PTSD and Depression", ["PTSD", "Depression"], "MDD;PTSD"),
    ],
)
def test_broad_condition_terms_yield_only_to_a_titled_disorder(
    codebook: Codebook, title: str, conditions: list[str], expected: str
) -> None:
    study = make_study(title=title, conditions=conditions, interventions=[KETAMINE_IV])
    assert code_study(study, codebook).values["condition"] == expected


def test_active_placebo_implies_the_infusion_route_when_none_is_stated(codebook: Codebook) -> None:
    coded = code_study(real_record("NCT05737693"), codebook)
    assert (coded.values["route"], coded.values["comparator"]) == ("IV", "active_placebo")
    assert "route_implied" in coded.flags
    assert coded.evidence["route"] == coded.evidence["comparator"]


def test_a_stated_route_wins_over_the_implied_one(codebook: Codebook) -> None:
    coded = code_study(real_record("NCT04640636"), codebook)
    assert (coded.values["route"], coded.values["comparator"]) == ("IM", "active_placebo")
    assert "route_implied" not in coded.flags


def test_route_is_implied_only_for_the_drugs_the_codebook_names(codebook: Codebook) -> None:
    study = make_study(
        title="Esketamine versus Midazolam",
        interventions=[
            {"type": "DRUG", "name": "Esketamine"},
            {"type": "DRUG", "name": "Midazolam"},
        ],
    )
    coded = code_study(study, codebook)
    assert coded.values["comparator"] == "active_placebo"
    assert coded.values["route"] == "UNKNOWN"
    assert "route_not_stated" in coded.flags


@pytest.mark.parametrize(
    ("description", "route"),
    [
        ("0.5 mg/kg given over 40 minutes", "IV"),
        ("0.5 mg/kg over 40-60 min by syringe pump", "IV"),
        ("50 mg given by mouth", "ORAL"),
        ("one rapidly dissolving wafer", "SL"),
        ("delivered with a nasal atomizer", "IN"),
        ("40 mg, route as per clinic protocol", "UNKNOWN"),
    ],
)
def test_route_words_in_the_intervention_text(
    codebook: Codebook, description: str, route: str
) -> None:
    study = make_study(
        interventions=[{"type": "DRUG", "name": "Ketamine", "description": description}]
    )
    assert code_study(study, codebook).values["route"] == route


@pytest.mark.parametrize(
    ("criterion", "condition"),
    [
        ("Inadequate response to at least two antidepressant trials", "TRD"),
        ("Non-response to 2 or more adequate antidepressant treatments", "TRD"),
        ("Current major depressive episode", "MDD"),
        ("Heroin dependence (DSM-IV)", "opioid_use_disorder"),
    ],
)
def test_condition_from_inclusion_criteria(
    codebook: Codebook, criterion: str, condition: str
) -> None:
    study = make_study(
        eligibility=f"Inclusion Criteria:\n\n* {criterion}\n\nExclusion Criteria:\n\n* Bipolar",
        interventions=[KETAMINE_IV],
    )
    assert code_study(study, codebook).values["condition"] == condition


@pytest.mark.parametrize(
    ("heading", "condition"),
    [
        ("Cocaine-Related Disorders", "cocaine_use_disorder"),
        ("Opioid-Related Disorders", "opioid_use_disorder"),
        ("Marijuana Abuse", "other_substance_use"),
        ("Alcohol Drinking", "alcohol_use_disorder"),
        ("Pain, Chronic", "chronic_pain"),
        ("Pain, Postoperative", "other"),
        ("Depressive Disorder, Treatment-Resistant", "TRD"),
        ("Depression, Postpartum", "perinatal_depression"),
    ],
)
def test_mesh_style_condition_headings(codebook: Codebook, heading: str, condition: str) -> None:
    study = make_study(conditions=[heading], interventions=[KETAMINE_IV])
    assert code_study(study, codebook).values["condition"] == condition


@pytest.mark.parametrize(
    ("name", "drug"),
    [
        ("Ketanest S", "esketamine"),
        ("Ketanest-S 0.25 mg/kg", "esketamine"),
        ("Ketanest", "ketamine"),
    ],
)
def test_brand_names_give_the_enantiomer(codebook: Codebook, name: str, drug: str) -> None:
    study = make_study(interventions=[{"type": "DRUG", "name": name}])
    coded = code_study(study, codebook)
    assert coded.values["drug"] == drug
    assert "drug_not_named" not in coded.flags


@pytest.mark.parametrize(
    ("therapy", "modality"),
    [
        ("Eye Movement Desensitization and Reprocessing (EMDR)", "other"),
        ("Contingency management", "other"),
        ("Meaning-Centered Psychotherapy", "experiential_existential"),
        ("Cognitive Therapy", "CBT"),
        ("Ketamine-assisted psychotherapy", "integration_support"),
    ],
)
def test_behavioural_intervention_modalities(
    codebook: Codebook, therapy: str, modality: str
) -> None:
    study = make_study(interventions=[KETAMINE_IV, {"type": "BEHAVIORAL", "name": therapy}])
    coded = code_study(study, codebook)
    assert (coded.values["psychotherapy"], coded.values["psychotherapy_type"]) == ("yes", modality)


def test_an_arms_words_outrank_its_type(codebook: Codebook) -> None:
    study = make_study(
        allocation="RANDOMIZED",
        interventions=[KETAMINE_IV, {"type": "DRUG", "name": "Midazolam"}],
        arms=[
            {"type": "EXPERIMENTAL", "label": "Ketamine", "interventionNames": ["Drug: Ketamine"]},
            {
                "type": "PLACEBO_COMPARATOR",
                "label": "Midazolam",
                "description": "midazolam 0.045 mg/kg over 40 minutes",
            },
        ],
    )
    coded = code_study(study, codebook)
    assert coded.values["comparator"] == "active_placebo"
    assert "Midazolam" in str(coded.evidence["comparator"])


def test_a_placebo_arm_without_other_words_is_placebo(codebook: Codebook) -> None:
    study = make_study(
        allocation="RANDOMIZED",
        interventions=[KETAMINE_IV],
        arms=[
            {"type": "EXPERIMENTAL", "label": "Ketamine"},
            {"type": "PLACEBO_COMPARATOR", "label": "Control"},
        ],
    )
    assert code_study(study, codebook).values["comparator"] == "placebo"


def test_a_one_group_study_registered_non_randomized_is_single_arm(codebook: Codebook) -> None:
    study = make_study(allocation="NON_RANDOMIZED", interventions=[KETAMINE_IV])
    study["protocolSection"]["designModule"]["designInfo"]["interventionModel"] = "SINGLE_GROUP"
    coded = code_study(study, codebook)
    assert (coded.values["design"], coded.values["comparator"]) == ("single_arm", "none")
    assert "interventionModel=SINGLE_GROUP" in str(coded.evidence["design"])
    study["protocolSection"]["designModule"]["designInfo"]["interventionModel"] = "PARALLEL"
    assert code_study(study, codebook).values["design"] == "nonrandomized_controlled"


@pytest.mark.parametrize(
    "description",
    [
        "0.5 mg/kg intravenous infusion; nothing by mouth for 6 hours before",
        "0.5 mg/kg intravenous infusion; oral intake resumes after recovery",
    ],
)
def test_fasting_and_intake_words_are_not_an_oral_route(
    codebook: Codebook, description: str
) -> None:
    study = make_study(
        interventions=[{"type": "DRUG", "name": "Ketamine", "description": description}]
    )
    assert code_study(study, codebook).values["route"] == "IV"


@pytest.mark.parametrize(
    "negated",
    [
        "No lifetime history of bipolar disorder",
        "Without a history of mania",
        "Must not meet criteria for alcohol use disorder in the past year",
        "Free of PTSD symptoms",
    ],
)
def test_negated_inclusion_criteria_name_no_condition(codebook: Codebook, negated: str) -> None:
    study = make_study(
        eligibility=f"Inclusion Criteria:\n\n* Major depressive disorder\n* {negated}\n",
        interventions=[KETAMINE_IV],
    )
    assert code_study(study, codebook).values["condition"] == "MDD"


@pytest.mark.parametrize(
    ("criterion", "condition"),
    [
        ("Major depressive disorder without psychotic features", "MDD"),
        ("Treatment-resistant depression with no drug changes in the past 4 weeks", "TRD"),
    ],
)
def test_a_specifier_of_the_disorder_keeps_the_sentence(
    codebook: Codebook, criterion: str, condition: str
) -> None:
    study = make_study(
        eligibility=f"Inclusion Criteria:\n\n* {criterion}\n", interventions=[KETAMINE_IV]
    )
    assert code_study(study, codebook).values["condition"] == condition
