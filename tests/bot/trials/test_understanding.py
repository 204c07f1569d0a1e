"""Reading a trial search's details out of what people type: age, sex, the cancer's name, a request."""

from __future__ import annotations

from typing import List, Optional

import pytest

from bot.trials.understanding import (
    asks_for_trials,
    cancer_mentions,
    is_question,
    read_age,
    read_markers,
    read_place,
    read_sex,
)


@pytest.mark.parametrize(
    ("text", "expecting", "age"),
    [
        ("22f just got diagnosed w breast cancer", False, 22),
        ("lowkey terrified rn. 24 w colon cancer, stage 3", False, 24),
        ("My son is 8 and was diagnosed in March", False, 8),
        ("hi. my daughter (16) has ewing sarcoma", False, 16),
        ("she's fifty-two", True, 52),
        ("she just turned 5", False, 5),
        ("my 9 year old son has a brain tumor", False, 9),
        ("58 yo male, pancreatic cancer", False, 58),
        ("The patient is 60 years of age", False, 60),
        ("my father, aged 74, who has colorectal cancer", False, 74),
        ("prostate 68 bethlehem pa", False, 68),
        ("lung cancer, 55, columbus ohio", False, 55),
        ("sorry he's 12 not 8, typing too fast", False, 12),
        ("my bad, 41 not 31", False, 41),
        ("my mom is 67", True, 67),
        ("34", True, 34),
        ("9, she'll be 10 in March", True, 9),  # the age first, then more numbers
        ("35 lol almost 36", True, 35),
        ("71 but very fit", True, 71),
        ("he turns 8 in may, so he's 7 right now", True, 7),  # the age now, beside the one coming
        ("my husband turns 61 next month and has prostate cancer", False, 60),  # only the coming age: a year less
        ("27 w/ melanoma, any trials?", False, 27),  # texting's "with" after the age
        ("husband 78 w/ bladder cancer, BCG quit working, anything close to home? we are two hours out", False, 78),
        ("mom 64 with AML", False, 64),
    ],
)
def test_ages_in_the_shapes_people_write_them(text: str, expecting: bool, age: float) -> None:
    found = read_age(text, expecting)
    assert found is not None and found.value == age


@pytest.mark.parametrize(
    "text",
    [
        "stage 4 lung cancer",
        "I had my prostate removed two years ago",
        "I have 2 kids and lung cancer",
        "had 6 rounds of chemo",
        "breast cancer 77030",
        "within 100 miles please",
        "more about 2",
        "tell me about number 3",
        "my breast cancer has come back after five years",
        "it has been growing for 3 years",
        "I've had heartburn for like twenty years",
        "my bro has osteosarcoma, any trials 4 him?",  # texting's "for"
        "trying 2 find something for my mom's lymphoma",
        "hazard ky, like 2 hrs from lexington",  # a drive, not an age
        "stage 3 right now, was stage 2",
        "my son 3 weeks after surgery has a fever",
        "Three years after I finished treatment for breast cancer, it's back in my bones",
        "she had 5 years of chemo as a kid",
        "4 years cancer free and now this",
    ],
)
def test_stages_counts_zip_codes_and_distances_are_not_ages(text: str) -> None:
    assert read_age(text) is None


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("My wife (47) has uterine cancer", "female"),
        ("my husband was diagnosed with pancreatic cancer", "male"),
        ("34F, ovarian cancer", "female"),
        ("58 yo male", "male"),
        ("my husband ... near Houston my moms place", "male"),
        ("I'm 63 and live up in Marquette", None),
    ],
)
def test_sex_only_where_it_is_stated(text: str, sex: Optional[str]) -> None:
    assert read_sex(text) == sex


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("22f just got diagnosed w breast cancer 😭 r there any trials", ["breast cancer"]),
        ("i have bone cancer (osteosarcoma in my leg)", ["bone cancer", "osteosarcoma"]),
        ("stage III non-small cell lung cancer", ["non-small cell lung cancer"]),
        ("my boyfriend has non hodgkins lymphoma", ["non hodgkins lymphoma"]),
        ("relapsed with ALL (acute lymphoblastic lukemia)", ["ALL", "acute lymphoblastic lukemia"]),
        ("hi so i have melanomma (skin cancer)", ["melanomma", "skin cancer"]),
        ("GBM trials baltimore", ["GBM"]),
        ("hi. my daughter (16) has ewing's sarcoma", ["ewing's sarcoma"]),
        ("are there lung cancer trials near portland?", ["lung cancer"]),
        ("prostate 68 bethlehem pa", ["prostate"]),
        ("34F with HER2+ breast cancer", ["HER2 positive breast cancer"]),
        ("recurrent head and neck squamous cell carcinoma", ["head and neck squamous cell carcinoma"]),
        ("it is endometrial cancer not ovarian cancer", ["endometrial cancer", "ovarian cancer"]),
        ("they found adenocarcinoma of the esophagus", ["adenocarcinoma", "esophagus adenocarcinoma"]),
        ("oops im 32 not 30 lol chemo brain", []),
        ("he was in a coma and got his diploma", []),
        ("we moved from Tacoma to Oklahoma City, Oklahoma", []),  # places that end like a tumour's name
        # markers said around a name make it narrower: kept with it (the abbreviation said in the registry's words)
        ("EGFR+ NSCLC, progressed on osimertinib", ["EGFR positive non small cell lung cancer", "NSCLC"]),
        ("clear cell RCC in his lungs now", ["clear cell renal cell carcinoma", "RCC"]),
        (
            "metastatic breast cancer, ER positive and HER2 negative",
            ["metastatic breast cancer", "ER positive HER2 negative metastatic breast cancer"],
        ),
        ("what is a placebo?", []),
    ],
)
def test_cancer_names_are_spans_of_the_message(text: str, names: List[str]) -> None:
    assert [m.text for m in cancer_mentions(text)] == names


def test_requests_for_trials_and_questions() -> None:
    assert asks_for_trials("Are there any studies open to him?")
    assert asks_for_trials("is there anything for kids her age")
    assert not asks_for_trials("what does phase 2 mean")
    assert asks_for_trials("She's only 39. We'd like to know about trials.")
    assert asks_for_trials("I want to learn more about possible studies for him")
    assert not asks_for_trials("I'd like to know more about how trials work")
    assert not asks_for_trials("Dad was in a melanoma study. Can we find out what the study found?")
    assert not asks_for_trials("his sister keeps asking what good these studies even do")
    assert not asks_for_trials("they won't get me into a trial without a biopsy")
    assert is_question("is it free?") and is_question("what does randomized mean")
    assert not is_question("columbus ohio")


def test_an_age_is_found_past_a_length_of_time() -> None:
    found = read_age("I live in Billings Montana. I'm 62 and my breast cancer has come back after five years.")
    assert found is not None and found.value == 62
    almost = read_age("she is almost 5 years old")
    assert almost is not None and almost.value == 5
    after = read_age("Two years after my diagnosis it's back, and I'm 45 now")
    assert after is not None and after.value == 45


@pytest.mark.parametrize(
    "text",
    [
        "the nurse said something in passing about sperm banking, does it have to happen first?",
        "my neighbor got into a study last year and I have no clue what that involves",
        "I'm on the phase 2 trial for HER2-positive breast cancer and my feet are peeling. Should I take B6?",
    ],
)
def test_talk_of_someone_else_s_study_is_no_request_for_trials(text: str) -> None:
    assert not asks_for_trials(text)


def test_an_organ_after_of_is_the_whole_organ_not_its_adjective() -> None:
    """ "of the small intestine" names no "small" cancer; "of the pancreas with spread" still names the pancreas."""
    texts = [m.text for m in cancer_mentions("a neuroendocrine tumor of the small bowel, found last spring")]
    assert texts == ["neuroendocrine tumor"]
    assert "pancreas adenocarcinoma" in [m.text for m in cancer_mentions("adenocarcinoma of the pancreas with spread")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("An X-ray found a mass in his left lung. The biopsy came back as adenocarcinoma.", "lung adenocarcinoma"),
        ("liver spots on the scan, but the adenocarcinoma started in the pancreas", "pancreas adenocarcinoma"),
    ],
)
def test_the_organ_said_in_another_sentence_names_the_kind(text: str, name: str) -> None:
    assert name in [m.text for m in cancer_mentions(text)]


def test_where_a_cancer_spread_is_not_where_it_is() -> None:
    texts = [
        m.text for m in cancer_mentions("it's squamous cell carcinoma and it has spread to a lymph node in my neck")
    ]
    assert texts == ["squamous cell carcinoma"]


def test_a_trial_mentioned_is_a_request_unless_only_context_is_wanted() -> None:
    text = "her doctor mentioned a study for her lymphoma"
    assert asks_for_trials(text)
    assert not asks_for_trials(text, mentioned=False)  # "a study for her …" is part of the mention
    assert asks_for_trials("her doctor mentioned a study. any trials near Austin?", mentioned=False)


@pytest.mark.parametrize(
    "text",
    [
        "why are there so few studies for a cancer like hers",
        "everything I find about research studies is for kids",
        "the trial for our daughter's lymphoma has really strict criteria",
        "her doctor found a trial that could fit",
        "my oncologist wants me to look at a trial for my sarcoma, what does randomized mean",
        "If she joins a breast cancer trial in Boston, are they obligated to keep paying for her care?",
        "Our 19-year-old is considering a study for her osteosarcoma. What dangers should we think about?",
        "Would that cover a leukemia trial for him?",
        "the only trial for my son's neuroblastoma is in Denver. How do families afford the flights?",
        "I'm on Medicaid now in Ohio. does that cover anything if I join a clinical trial?",
    ],
)
def test_scarcity_reading_about_and_a_trial_in_hand_are_no_request(text: str) -> None:
    assert not asks_for_trials(text)
    assert not asks_for_trials(text, mentioned=False)


def test_a_trial_in_hand_leaves_a_request_in_the_same_message_standing() -> None:
    assert asks_for_trials("the trial for my son was full. are there any other studies near Denver?")


def test_trials_a_doctor_wants_thought_about_are_asked_for() -> None:
    assert asks_for_trials("We live in Worcester MA. His doctors want us to think about research studies.")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("london uk - myeloma studies?", "myeloma"),  # a spaced hyphen separates the place from the cancer
        ("non-small cell lung cancer", "non-small cell lung cancer"),
        ("non - small cell lung cancer", "non - small cell lung cancer"),  # never "small cell lung cancer"
    ],
)
def test_a_hyphen_joins_a_name_and_a_spaced_one_separates(text: str, name: str) -> None:
    assert [m.text for m in cancer_mentions(text)] == [name]


def test_a_place_within_a_distance_of_a_city_is_read() -> None:
    assert read_place("trials within driving distance of Tampa?") == "Tampa"
    assert read_place("anything within 50 miles of Spokane") == "Spokane"


def test_a_marker_said_after_with_and_a_rearrangement_or_fusion_is_kept_as_positive() -> None:
    names = [m.text for m in cancer_mentions("my brother has non-small cell lung cancer with an ALK rearrangement")]
    assert "ALK positive non-small cell lung cancer" in names
    names = [m.text for m in cancer_mentions("lung adenocarcinoma w/ a RET fusion")]
    assert "RET positive lung adenocarcinoma" in names


def test_a_hedge_is_no_part_of_a_cancers_name() -> None:
    assert [m.text for m in cancer_mentions("they think it's probably cancer")] == ["cancer"]
    assert [m.text for m in cancer_mentions("most likely lymphoma, they said")] == ["lymphoma"]


def test_estrogen_and_progesterone_receptors_spelled_out_are_kept_with_the_name() -> None:
    names = [m.text for m in cancer_mentions("she has progesterone receptor-negative breast cancer")]
    assert "progesterone receptor-negative breast cancer" in names


def test_a_gastrointestinal_stromal_tumor_says_which_cancer() -> None:
    from bot.trials.understanding import specific

    assert all(specific(m) for m in cancer_mentions("diagnosed with a gastrointestinal stromal tumor"))
    assert not any(specific(m) for m in cancer_mentions("it is a rare tumor"))


def test_lobular_and_ductal_carcinomas_are_breast_cancers() -> None:
    from bot.trials.synonyms import registry_name

    assert registry_name("invasive lobular carcinoma") == "invasive lobular breast cancer"
    assert registry_name("ductal carcinoma") == "ductal breast cancer"


@pytest.mark.parametrize(
    ("text", "markers"),
    [
        ("It's non-small cell and she has the EGFR mutation, so she took the pill for years", "EGFR positive"),
        ("the biopsy said ALK rearrangement", "ALK positive"),
        ("HER2+ and the scan was clear", "HER2 positive"),
        ("an EGFR mutation and a MET amplification", "EGFR positive MET positive"),
        ("NSCLC, EGFR exon 19 del, 63 yo", "EGFR positive"),
        ("adenocarcinoma of the lung with a KRAS G12C mutation", "KRAS G12C"),
        ("It's ER positive and HER2 negative, like last time", "ER positive"),
        ("estrogen receptor-positive", "ER positive"),
        ("microsatellite instability-high colon cancer", "MSI high"),
        ("she went to the ER last night", None),
        ("we met positive people in the support group", None),
        ("no EGFR mutation, they said", None),
        ("tested negative for ALK fusion", None),
        ("EGFR negative", None),
        ("she just has lung cancer", None),
    ],
)
def test_markers_said_anywhere_are_read(text: str, markers: Optional[str]) -> None:
    assert read_markers(text) == markers


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("my uncle has mesothelioma, it's in the lining of the lungs, asbestos from the navy", "pleural mesothelioma"),
        ("Her mesothelioma is in the lining of her abdomen. Any studies in Ohio?", "peritoneal mesothelioma"),
    ],
)
def test_the_lining_a_mesothelioma_grows_in_names_its_kind(text: str, name: str) -> None:
    assert name in [m.text for m in cancer_mentions(text)]
    assert [m.text for m in cancer_mentions("mesothelioma, Boston, 70")] == ["mesothelioma"]


def test_a_kind_before_a_bare_organ_and_a_word_in_brackets_inside_a_name_are_part_of_the_name() -> None:
    assert "small cell lung cancer" in [m.text for m in cancer_mentions("any studies for small cell lung")]
    assert "non-small cell lung cancer" in [m.text for m in cancer_mentions("non-small cell lung, stage 3")]
    assert [m.text.split() for m in cancer_mentions("she had uveal (eye) melanoma")] == [["uveal", "melanoma"]]
    # An abbreviation in brackets after the name stays as it is.
    assert "AML" in [m.text for m in cancer_mentions("my son has leukemia (AML) and is 12")]
