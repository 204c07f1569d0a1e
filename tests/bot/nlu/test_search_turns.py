"""Trial-search turns the intent model must not decide alone (bot.nlu.search_turns)."""

from __future__ import annotations

from typing import Optional

import pytest

from bot.nlu.search_turns import INFORM, SEARCH, cancer_named, names_place, search_intent


@pytest.mark.parametrize(
    ("text", "slot", "model_says"),
    [
        ("Columbus, Ohio", "location", "faq"),
        ("cincinnati ohio", "location", "faq"),
        ("near Cleveland I guess", "location", "faq"),
        ("Toronto Canada", "location", "greet"),
        ("77030", "location", "faq"),
        ("she's fifty-two", "age", "faq"),
        ("my brother, he's 39", "age", "faq"),
        ("8", "age", "nlu_fallback"),
        ("osteosarcoma", "condition", "faq"),
        ("non hodgkins lymphoma", "condition", "faq"),
        ("lung", "condition", "faq"),
    ],
)
def test_the_forms_answer_fills_what_it_asked_whatever_the_model_guessed(text: str, slot: str, model_says: str) -> None:
    assert search_intent(text, model_says, slot, searched=False) == INFORM


@pytest.mark.parametrize(
    ("text", "slot", "model_says"),
    [
        ("is it free?", "location", "faq"),
        ("what does randomized mean?", "age", "faq"),
        ("I want to talk to a person", "location", "human_handoff"),
        ("stop", "location", "goodbye"),
        ("cancel", "age", "faq"),
    ],
)
def test_questions_requests_for_a_person_and_stop_keep_the_models_reading(
    text: str, slot: str, model_says: str
) -> None:
    assert search_intent(text, model_says, slot, searched=False) is None


@pytest.mark.parametrize(
    ("text", "model_says", "unsure", "expected"),
    [
        ("My son is 8 and was diagnosed with neuroblastoma. We live in Baltimore. Any trials?", "faq", False, SEARCH),
        ("cervical cancer trials?? im 20 and in philly for school rn", "faq", False, SEARCH),
        ("lymphoma trials 10001", "faq", False, SEARCH),
        ("chronic myeloid lukemia research studies?", "nlu_fallback", True, SEARCH),
        ("melanoma clinical trials?", "faq", False, SEARCH),
        ("My wife has ovarian cancer and her doctor mentioned trials. Can you help?", "faq", False, SEARCH),
        ("hello, my daughter has a wilms tumor on her kidney", "nlu_fallback", True, SEARCH),
        ("64, jacksonville fl", "nlu_fallback", True, SEARCH),
        ("are there trials for me? idk how this works", "nlu_fallback", True, SEARCH),
        ("ovarian cancer seattle wa", "faq", False, SEARCH),  # "wa" is not read as a FAQ word
        ("kidney cancer", "nlu_fallback", True, SEARCH),
        ("I'm 70 and live in Tucson, Arizona. What trials could I qualify for?", "faq", False, SEARCH),
        ("what is a placebo?", "faq", False, None),
        # one trial a question or story is about, not trials asked for
        ("My wife has Aetna. If she joins a breast cancer trial in Boston, will they keep paying?", "faq", False, None),
        ("Our 19-year-old is considering a study for her osteosarcoma. What dangers are there?", "faq", False, None),
        (
            "We live in rural Montana and the only trial for my son's neuroblastoma is in Denver. How do families "
            "afford the flights?",
            "nlu_fallback",
            True,
            None,
        ),
        (
            "I was offered a trial for my melanoma. The doctor said follow-up lasts years and I froze. I just want to "
            "know what I'm signing up for time-wise.",
            "nlu_fallback",
            True,
            None,
        ),
        ("can i join the biobank? im 45 with lung cancer in Boston", "donate_eligibility", False, None),
        ("does breast cancer run in families?", "faq", False, None),
    ],
)
def test_a_message_that_carries_a_search_starts_one(
    text: str, model_says: str, unsure: bool, expected: Optional[str]
) -> None:
    assert search_intent(text, model_says, None, searched=False, unsure=unsure) == expected


@pytest.mark.parametrize(
    "text",
    [
        "actually im in dayton not columbus, sorry",
        "sorry he's 12 not 8, typing too fast",
        "Sorry, I got that wrong. Her oncologist says it's endometrial cancer, not ovarian.",
        # a new detail said as a question, with the model sure of a FAQ topic
        "the biopsy report says it's specifically a clear cell renal carcinoma, would that change anything?",
        "turns out it came back as mantle cell lymphoma. can you look again?",
        "Sorry, I should have been clearer. I actually live in Brandon now, two hours west. Could you look from there?",
    ],
)
def test_a_correction_after_a_search_runs_it_again(text: str) -> None:
    assert search_intent(text, "faq", None, searched=True) == INFORM


def test_one_trial_somebody_suggested_is_no_request_for_trials_when_the_model_is_certain_of_a_topic() -> None:
    said = "Dad is 70 and on Medicare. His doctor in Reno suggested a trial for him. What would Medicare cover?"
    assert search_intent(said, "faq", None, searched=False, certain=True, settled=True, topic="medicare") is None
    asked = "Dad is 70 and on Medicare, we live in Reno. Are there trials for him? What would Medicare cover?"
    assert search_intent(asked, "faq", None, searched=False, certain=True, settled=True, topic="medicare") == SEARCH


def test_a_new_search_asked_for_in_so_many_words_wins_over_a_topic_the_model_is_certain_of() -> None:
    said = "The surgeon called: it began in the appendix, so it's appendix cancer, not colon. Search for that instead?"
    assert search_intent(said, "faq", None, searched=True, certain=True, settled=True) == INFORM
    # No search ran yet, or no detail is said: the topic stands.
    assert search_intent(said, "faq", None, searched=False, certain=True, settled=True) is None
    assert search_intent("could you look again tomorrow?", "faq", None, searched=True, certain=True) is None


@pytest.mark.parametrize(
    ("text", "model_says"),
    [("more about 2", "trial_details"), ("show more", "show_more"), ("search within 250 miles", "widen_search")],
)
def test_what_the_results_offer_is_not_a_correction(text: str, model_says: str) -> None:
    assert search_intent(text, model_says, None, searched=True) is None


def test_how_to_find_a_trial_with_a_cancer_named_is_the_search_itself() -> None:
    text = "my wife was just diagnosed with pancreatic cancer, where do we even start"
    assert search_intent(text, "faq", None, searched=False, topic="find_a_trial") == SEARCH
    assert search_intent(text, "faq", None, searched=False, topic="placebo") is None


@pytest.mark.parametrize(
    "text",
    [
        "my son is 12 with a brain tumor, what studies could he get into",
        "do you have anything for bladder cancer? asking for my husband",
        "so i have hodgkins lymphoma and my oncologist mentioned studies",
        "Good morning. I am seeking clinical trial options for my mother, who has pancreatic cancer.",
        "my cousin has a soft tissue sarcoma in her arm, what trials are out there for her",
        "grandpa has CLL. anything he could try?",
        "My daughter was just diagnosed with neuroblastoma. She's only 4.",
    ],
)
def test_requests_for_trials_in_many_wordings_start_a_search(text: str) -> None:
    assert search_intent(text, "faq", None, searched=False) == SEARCH


def test_an_age_answer_the_model_read_as_medical_advice_answers_the_form() -> None:
    assert search_intent("my dad is 72", "medical_advice", "age", searched=False) == INFORM
    assert search_intent("my dad is 72, can he skip his chemo?", "medical_advice", "age", searched=False) is None


def test_asking_for_trials_while_the_form_waits_gets_its_question_again() -> None:
    assert search_intent("ok but is there anything close to me", "nlu_fallback", "age", searched=False) == INFORM


def test_an_unread_request_for_anything_starts_a_search() -> None:
    assert search_intent("hey do u have anything for me", "nlu_fallback", None, searched=False, unsure=True) == SEARCH


def test_telling_of_a_diagnosis_starts_a_search_unless_it_asks_something() -> None:
    told = "my husband was diagnosed with bladder cancer in may"
    assert search_intent(told, "faq", None, searched=False, topic="myths") == SEARCH
    asked = "my husband was diagnosed with bladder cancer in may, how do trials work"
    assert search_intent(asked, "faq", None, searched=False, topic="what_is_a_trial") is None


def test_a_diagnosis_told_with_a_question_put_as_a_statement_keeps_the_faq_answer() -> None:
    text = "my husband was diagnosed with bladder cancer and i want to know if trials cost money"
    assert search_intent(text, "faq", None, searched=False, topic="costs") is None


@pytest.mark.parametrize(
    ("text", "model_says", "unsure"),
    [
        ("r there any trials for my mom", "faq", False),  # texting spelling of a personal request
        ("lymphoma boise idaho", "nlu_fallback", True),  # a cancer and a place the worker's list lacks
        ("70, prostate cancer, Tulsa OK. what's open?", "faq", False),
        ("my uncle is 66 with kidney cancer in Omaha, what are his options for trials?", "faq", False),
        ("My friend has myelofibrosis and is not great with computers, so I'm looking on his behalf.", "faq", False),
        ("my mother, aged 79, has myelodysplastic syndrome. Could you kindly advise what is available?", "faq", False),
        ("melanoma stage 3, wat r my options besides the immunotherapy", "nlu_fallback", True),
        ("does anybody actually do trials for testicular cancer lol asking for myself", "faq", False),
        ("her2+ breast cancer at 33 anyone know of trials", "faq", False),
        ("colon cancer at 35 is wild ngl. trials??", "nlu_fallback", True),
        ("liver canser trial", "nlu_fallback", True),  # a misspelt head word
        ("sarcoma is back, stage 4 now. 27f. what can i even do", "nlu_fallback", True),
        ("Grandpa has Hodgkin's again, finished treatment in May. Anything?", "faq", False),
        ("My father has mesothelioma from the mill, he's 81, we're in Toledo. Is anyone researching it?", "faq", False),
        ("Writing on behalf of my wife. The oncologist calls it cholangiocarcinoma.", "nlu_fallback", True),
        ("my aunt, 70, has Waldenström macroglobulinemia; what research options are there?", "faq", False),
        ("the oncologist said we should look into trials since the chemo stopped working", "nlu_fallback", True),
        ("68, prostate cancer in my bones, Billings Montana. Anything within driving distance?", "faq", False),
        ("my daughter has neuroblastoma; we'd like to see all that's available before her next scan", "faq", False),
        ("ATRT studies for a 2 year old?", "faq", False),
        ("i need some help finding a clinical trial", "faq", False),
        ("Seventy-one, female, ovarian cancer, Toledo. What have you got?", "faq", False),
        ("22M testicular cancer, lowkey freaking out rn. anything in slc??", "nlu_fallback", True),
        (
            "My friend was just told he has stomach cancer. He's 44. It had already spread by the time they looked. "
            "I've read that for gastric cancer there are trials with newer drugs. We're in San Diego. Where to start?",
            "nlu_fallback",
            True,
        ),
    ],
)
def test_more_ways_of_asking_for_a_search(text: str, model_says: str, unsure: bool) -> None:
    assert search_intent(text, model_says, None, searched=False, unsure=unsure) == SEARCH


@pytest.mark.parametrize(
    "text",
    [
        "Hello. My father has just been diagnosed with pancreatic adenocarcinoma, and his surgeon advised him to look"
        " into research opportunities. We would appreciate any guidance toward suitable options.",
        "my sister's ewing sarcoma relapsed. she's too tired to deal with any of this so i'm doing the legwork",
        "Our son has medulloblastoma. We've heard the statistics. We want every possible chance for him.",
        "Mom's ovarian cancer is platinum resistant now and her doctor is out of ideas. Where should we even look?",
        "doc says its hodgkins lymphoma and im 24 lol what",
    ],
)
def test_a_cancer_named_in_a_message_the_model_cannot_read_starts_a_search(text: str) -> None:
    assert search_intent(text, "nlu_fallback", None, searched=False, unsure=True) == SEARCH


def test_a_question_naming_a_cancer_the_model_cannot_read_is_still_asked_about() -> None:
    text = "how is a leukemia study different from normal treatment?"
    assert search_intent(text, "nlu_fallback", None, searched=False, unsure=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "sorry I meant Milwaukee, not Madison. thats where I get treated",
        "we moved to Tucson actually",
        "not Phoenix, Tucson",
        "Sorry, I had it mixed up. It's stomach cancer, not esophageal. Could you look again?",
        "I should have said, it's non-small cell and it has the EGFR mutation.",
        "we'll be at my son's place in Albany NY for the summer, can you look there instead?",
        "I checked my pathology report and it says follicular lymphoma, not just lymphoma. Does that change the list?",
    ],
)
def test_a_place_corrected_after_the_results_searches_again(text: str) -> None:
    assert search_intent(text, "nlu_fallback", None, searched=True, unsure=True) == INFORM


def test_meaning_to_ask_something_else_is_no_correction() -> None:
    assert search_intent("sorry I meant to ask about side effects", "faq", None, searched=True) is None


def test_options_for_something_else_are_no_search() -> None:
    text = "I have lymphoma, what are my options for paying for the trip?"
    assert search_intent(text, "faq", None, searched=False) is None


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        (
            "People at church keep telling me studies treat patients like lab rats. I'm 52 with stage 2 bladder "
            "cancer and I want to be fair about it. Still, the idea makes my stomach turn.",
            "myth_guinea_pigs",
        ),
        (
            "im 19 w hodgkin lymphoma and every study i see online is either for little kids or retirees, "
            "feels like nobody my age exists lol",
            "aya_trials",
        ),
        (
            "I'm 66 and on Medicare. My oncologist mentioned a prostate cancer study at the university hospital and "
            "I keep worrying about the bills that might come afterwards.",
            "medicare",
        ),
    ],
)
def test_a_long_faq_story_whose_question_is_only_implied_is_answered_not_searched(text: str, topic: str) -> None:
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic=topic) is None


def test_a_long_faq_story_without_a_place_is_answered_not_searched() -> None:
    text = (
        "My husband is 70 and on a Medicare supplement plan. His oncologist mentioned a study for his prostate "
        "cancer last week, and we honestly can't tell whether the plan would pay for the extra scans."
    )
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic="medicare") is None


@pytest.mark.parametrize(
    "text",
    [
        "My father has been living with myeloma for years and is tired of the same pills. His doctor mentioned a "
        "trial once. Which studies are enrolling for myeloma right now?",
        "We are writing for our grandmother, who is 81 and has been diagnosed with mantle cell lymphoma. We would "
        "like to know which research options are open to her.",
        "My uncle has had chronic lymphocytic leukemia for nine years and the pills have stopped working. He "
        "doesn't use email, so I'm looking on his behalf.",
    ],
)
def test_a_long_story_that_asks_for_trials_outright_still_searches(text: str) -> None:
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic="rare_cancers") == SEARCH


def test_lowercase_words_that_spell_a_state_are_no_place_but_lowercase_state_codes_are() -> None:
    assert not names_place("i dont know if trials ever want people like me.")
    assert not names_place("ok count me in")
    assert names_place("durham nc") and names_place("we're in columbus oh.") and names_place("Bangor ME")
    assert not names_place("he is treated at the VA for his lymphoma") and names_place("Richmond VA")
    assert names_place("we want to know about other options in the DC area")  # only "the VA" is the veterans' one
    assert not names_place("can my dad do a trial through the va?") and names_place("we live in richmond va.")


@pytest.mark.parametrize(
    "text",
    [
        "My wife is on active duty and our son has leukemia. Would our military plan pay for a research study for him?",
        "Our son is 15 with Hodgkin lymphoma. Would he qualify for the children's studies or the adult ones?",
    ],
)
def test_a_settled_faq_question_that_speaks_of_trials_as_its_subject_is_answered(text: str) -> None:
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic="tricare", settled=True) is None
    # Not settled (the model spread its belief): the request words still make it a search.
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic="tricare") == SEARCH


def test_a_settled_faq_reading_still_searches_when_trials_are_asked_for_in_so_many_words() -> None:
    for text in (
        "My son is 15 with Hodgkin lymphoma. Are there any trials he could join?",
        "husband just diagnosed with myeloma. what are our options for trials",
        "My son is 12 and was diagnosed with Ewing sarcoma last month. His team named one study but I want to know all"
        " of his options.",
        "My sister is 44 and they found a glioblastoma in March. Surgery is done but we want to know about other"
        " options around Boston.",
    ):
        found = search_intent(text, "faq", None, searched=False, unsure=False, topic="aya_trials", settled=True)
        assert found == SEARCH


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("i have a super rare sarcoma and literally nobody has trials for it 🙃 is that normal", "rare_cancers"),
        ("A clinic told us their study will cure my mom's glioblastoma. Can any trial really promise that?", "myth"),
        (
            "I'm a Navy veteran with prostate cancer, treated at the VA in Tampa. I'd like to know if veterans get"
            " access to clinical trials.",
            "va_benefits",
        ),
    ],
)
def test_a_faq_topic_the_model_is_certain_of_is_answered_whatever_is_told_around_it(text: str, topic: str) -> None:
    assert (
        search_intent(text, "faq", None, searched=False, unsure=False, topic=topic, settled=True, certain=True) is None
    )
    # Only settled: the cancer, the place or "any trial" still make these searches.
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic=topic, settled=True) == SEARCH


@pytest.mark.parametrize(
    "text",
    [
        "The study compares a new combination against 'the current accepted regimen' for lymphoma. I don't really know"
        " what that regimen is.",
        "My aunt was offered a spot in a study for her colon cancer by someone who called her at home. They asked for"
        " her bank details.",
    ],
)
def test_a_story_the_model_reads_as_some_faq_question_is_no_search_unless_an_age_is_told(text: str) -> None:
    unsure = {"unsure": True, "topic": "standard_of_care"}
    assert search_intent(text, "faq", None, searched=False, **unsure, faq_share=0.9) is None
    # The model spread its belief beyond the FAQ: a story with a cancer it could not read starts a search.
    assert search_intent(text, "faq", None, searched=False, **unsure, faq_share=0.6) == SEARCH
    # Both are about the one study somebody has in view: with an age told too, they stay questions about it.
    aged = text.replace("lymphoma.", "lymphoma. I'm 58.").replace("her colon cancer", "her colon cancer (she is 71)")
    assert search_intent(aged, "faq", None, searched=False, **unsure, faq_share=0.9) is None


def test_an_age_makes_a_story_the_model_reads_as_some_faq_question_a_search() -> None:
    unsure = {"unsure": True, "topic": "standard_of_care"}
    text = (
        "My husband got the news about his stomach cancer in August and everything since has been a blur. We have no"
        " idea where to begin."
    )
    assert search_intent(text, "faq", None, searched=False, **unsure, faq_share=0.9) is None
    aged = text.replace("August", "August. He's 61")
    assert search_intent(aged, "faq", None, searched=False, **unsure, faq_share=0.9) == SEARCH


@pytest.mark.parametrize(
    "text",
    [
        "I'm 44 and was told last month I have stage 3 colon cancer. My surgeon thinks I'd be a good candidate for a"
        " study at the university. I keep a small business going and I'm worried about the time it would take.",
        "My son is 15 with Ewing sarcoma and the team keeps bringing up this trial. He wants to know if he gets a say"
        " in it or whether it's just up to us and the doctors, and honestly so do I.",
        "Half the people in the online group from my lymphoma study post every symptom they get so they can work out"
        " who got the new drug. I've joined in a few times and now I'm wondering if that was okay.",
    ],
)
def test_a_long_story_about_the_one_trial_in_view_is_a_question_about_it(text: str) -> None:
    for unsure in (True, False):
        assert search_intent(text, "faq", None, searched=False, unsure=unsure, faq_share=0.9) is None
    # The model spread its belief beyond the FAQ: the weak signs of a search count again.
    assert search_intent(text, "faq", None, searched=False, unsure=True, faq_share=0.6) == SEARCH
    # Trials asked for, or a place to search around, make it a search.
    for asked in (" Are there other trials for him near Denver?", " Any other studies she could join?"):
        assert search_intent(text + asked, "faq", None, searched=False, unsure=True, faq_share=0.9) == SEARCH


@pytest.mark.parametrize(
    "text",
    ["hi, looking for a trial", "my mom needs a trial", "clinical trials for dad", "we need a study for my husband"],
)
def test_a_short_request_for_a_trial_with_no_details_starts_the_search(text: str) -> None:
    assert search_intent(text, "faq", None, searched=False, topic="find_a_trial") == SEARCH
    assert search_intent(text, "faq", None, searched=False, unsure=True) == SEARCH


@pytest.mark.parametrize(
    "text",
    [
        "My wife was diagnosed with pancreatic cancer in October and the first chemo has been rough on her. She says"
        " she'd be open to a trial if it isn't too far from home. She's 58.",
        "Grandpa found out he has bladder cancer after a long wait for tests. The urologist wants surgery, and he keeps"
        " wondering whether there's a study that might help instead. He is 80.",
        "I was told I have a desmoid tumor and that surgery may not be the answer. I would love to see what's out"
        " there for people like me before I decide anything. I am 29.",
        "I'd like to know if any studies are recruiting patients with uveal melanoma. My eye doctor says it's rare and"
        " I should look early.",
    ],
)
def test_a_long_story_that_asks_for_a_trial_in_its_own_words_searches(text: str) -> None:
    for unsure in (True, False):
        assert search_intent(text, "faq", None, searched=False, unsure=unsure, faq_share=0.9) == SEARCH


def test_a_month_is_no_place() -> None:
    assert not names_place("diagnosed in January and again in October")
    assert names_place("we moved to Denver in January")


def test_a_town_texted_in_lower_case_after_near_is_a_place_and_whats_near_it_a_request() -> None:
    assert names_place("anything close to fresno")
    assert not names_place("anything near me") and not names_place("close to home, ideally")
    text = "my wifes breast cancer (TNBC) came back after surgery. shes 44. whats near spokane?"
    assert search_intent(text, "faq", None, searched=False, unsure=True) == SEARCH


def test_a_bare_relative_needing_a_trial_starts_the_search() -> None:
    assert search_intent("Dad needs a trial", "faq", None, searched=False, topic="talking_with_parents") == SEARCH
    assert search_intent("Mom wants a study asap", "faq", None, searched=False, unsure=True) == SEARCH


def test_a_long_story_read_as_the_faqs_with_no_age_and_no_request_is_answered() -> None:
    text = (
        "The one study my oncologist found for my lung cancer is in Seattle, and I live out in eastern Montana. Gas,"
        " hotels and meals every visit add up. I honestly can't see how families afford it."
    )
    assert search_intent(text, "faq", None, searched=False, unsure=True, faq_share=0.9) is None
    # An age told, or trials asked for, make it a search.
    aged = text + " I'm 63."
    assert search_intent(aged, "faq", None, searched=False, unsure=True, faq_share=0.9) == SEARCH
    asked = text + " Are there trials closer to me?"
    assert search_intent(asked, "faq", None, searched=False, unsure=True, faq_share=0.9) == SEARCH


def test_trials_within_driving_distance_of_a_place_are_asked_for() -> None:
    text = "wife 66 w/ ovarian cancer, platinum stopped working. trials within driving distance of Macon?"
    assert search_intent(text, "faq", None, searched=False, unsure=True) == SEARCH


def test_a_certain_faq_reading_still_searches_when_trials_are_asked_for_somebody_or_for_young_people() -> None:
    for text, topic in (
        ("My son is 15 with Hodgkin lymphoma. Are there any trials he could join?", "aya_trials"),
        ("My son is 16. He has testicular cancer. Are there studies open to teenagers?", "aya_trials"),
        ("my dad has stage 4 colon cancer and we're in Tulsa. are there trials for him?", "travel_lodging_help"),
    ):
        found = search_intent(text, "faq", None, searched=False, unsure=False, topic=topic, settled=True, certain=True)
        assert found == SEARCH, text


@pytest.mark.parametrize(
    "text",
    [
        "my wife is healthy but her mom and sister both had ovarian cancer. could she join a study?",
        "I'm completely healthy myself, my brother has lymphoma. any studies for someone like me?",
        "my son has never had cancer but his twin has leukemia, can he be in a trial too?",
        "i dont have cancer, my dad does (prostate). r there studies i can join as a family member",
    ],
)
def test_a_healthy_person_asking_about_trials_is_asked_who_can_join_not_searched(text: str) -> None:
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic="who_can_join") is None
    assert search_intent(text, "nlu_fallback", None, searched=False, unsure=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "he's otherwise healthy, 45, with lymphoma. any trials for him?",
        "she's healthy apart from the leukemia, are there studies for her?",
        "my dad is healthy but has prostate cancer now, trials near Denver?",
    ],
)
def test_otherwise_healthy_or_a_place_still_searches(text: str) -> None:
    assert search_intent(text, "nlu_fallback", None, searched=False, unsure=True) == SEARCH


def test_asking_why_trials_are_hard_to_find_is_no_search() -> None:
    text = "why is it so hard to find studies for my son? his tumor is a really rare kind of sarcoma"
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic="rare_cancers") is None
    assert search_intent("find studies for my son, he has a rare sarcoma", "faq", None, searched=False) == SEARCH


@pytest.mark.parametrize(
    ("text", "intent", "unsure"),
    [
        ("AML, Tulsa. options?", "help", False),
        ("stage 4 colon cancer, wat r my options", "nlu_fallback", True),
        ("My dad has myeloma again after his transplant. Anything new he could try?", "nlu_fallback", True),
        ("need a trial", "faq", False),
        ("i want to join a study pls", "faq", False),
    ],
)
def test_options_something_new_to_try_or_just_a_trial_starts_a_search(text: str, intent: str, unsure: bool) -> None:
    assert search_intent(text, intent, None, searched=False, unsure=unsure, topic="find_a_trial") == SEARCH


def test_options_for_paying_or_asking_whether_one_needs_a_trial_are_no_search() -> None:
    assert search_intent("I have lymphoma, what are my options for paying?", "faq", None, searched=False) is None
    assert search_intent("do i need a trial", "faq", None, searched=False, topic="find_a_trial") is None


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        (
            "My wife's plan is through her job. Will it pay for her care if she joins a breast cancer study?",
            "insurance_coverage",
        ),
        (
            "The nurse said my son was turned down for the leukemia study. Does that rule out every other one?",
            "not_eligible",
        ),
        ("Why does a melanoma trial come with such a long list of rules about who can join?", "eligibility_criteria"),
        ("i have a cancer nobody has heard of lol, are there even trials for ppl like me", "rare_cancers"),
    ],
)
def test_a_faq_question_about_one_study_is_answered_not_searched(text: str, topic: str) -> None:
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic=topic) is None


@pytest.mark.parametrize(
    "text",
    [
        "are there any breast cancer studies for my wife?",
        "what lymphoma trials are open near Boston?",
        "Is there a myeloma trial in Ohio?",
    ],
)
def test_asking_for_trials_of_a_cancer_still_searches(text: str) -> None:
    assert search_intent(text, "faq", None, searched=False, unsure=False, topic="insurance_coverage") == SEARCH


@pytest.mark.parametrize(
    "text",
    [
        "29 w hodgkins?? my friends say im too young to get this lol. anything in calgary ab",
        "28 with ewing sarcoma, anything near halifax ns",
    ],
)
def test_a_texted_age_cancer_and_canadian_place_start_a_search(text: str) -> None:
    assert search_intent(text, "faq", None, searched=False) == SEARCH


def test_the_cancer_named_for_the_search_button_is_not_one_set_aside() -> None:
    assert (
        cancer_named("We just left my wife's appointment for her ovarian cancer. I have no clue.") == "ovarian cancer"
    )
    assert cancer_named("it's endometrial cancer, not ovarian cancer. what does a study even involve") == (
        "endometrial cancer"
    )
    assert cancer_named("the pathology says it's stomach cancer not esophageal cancer") == "stomach cancer"
    assert cancer_named("what does being in a study involve?") is None


@pytest.mark.parametrize(
    "text",
    [
        "My husband may start a prostate cancer trial in Omaha next month. Do we pay for the scans it needs?",
        "I'm three months into a randomized study for my lung cancer and I feel fine. Could I be on the sugar pill?",
        "she's currently in a new lymphoma study at the university, what happens to her data when it ends",
    ],
)
def test_the_one_trial_a_person_is_in_or_about_to_start_is_no_request_for_trials(text: str) -> None:
    for unsure in (False, True):
        found = search_intent(text, "faq", None, searched=False, unsure=unsure, topic="data_privacy", faq_share=0.95)
        assert found != SEARCH


def test_trials_asked_for_around_a_trial_word_still_search() -> None:
    asked = "I'm interested in a prostate cancer trial in Omaha for my husband. He is 66."
    assert search_intent(asked, "faq", None, searched=False, unsure=True, topic="data_privacy") == SEARCH
    looking = "Is there a trial for my son's leukemia? We live in Tulsa."
    assert search_intent(looking, "faq", None, searched=False, unsure=True) == SEARCH


def test_seeing_what_studies_exist_asks_for_them_even_under_a_certain_topic() -> None:
    said = "My sister has a rare sarcoma of the heart. I would like to see what studies exist for something this rare."
    assert search_intent(said, "faq", None, searched=False, certain=True, settled=True, topic="rare_cancers") == SEARCH


def test_help_asked_outright_with_finding_a_trial_read_starts_the_search() -> None:
    said = "the oncologist said trials might be an option and honestly idk where to begin, could you help?"
    assert search_intent(said, "faq", None, searched=False, topic="find_a_trial") == SEARCH
    assert (
        search_intent("how do people usually find a clinical trial?", "faq", None, searched=False, topic="find_a_trial")
        is None
    )


def test_one_cancer_put_in_another_s_place_after_results_searches_again_whatever_topic_is_read() -> None:
    said = "my mistake: it began in the breast and moved to the bones, so it's breast cancer, not bone cancer"
    assert (
        search_intent(said, "faq", None, searched=True, certain=True, settled=True, topic="myth_biopsy_spreads")
        == INFORM
    )
    # One cancer only, or no search yet: the topic stands.
    spread = "can a biopsy make breast cancer spread to the bones?"
    assert search_intent(spread, "faq", None, searched=True, certain=True, settled=True) is None
    assert search_intent(said, "faq", None, searched=False, certain=True, settled=True) is None


def test_wanting_to_know_what_exists_now_asks_for_trials_but_not_inside_a_question() -> None:
    said = "Just diagnosed with sarcoma and on chemo. I'd rather know what exists now than scramble later."
    assert (
        search_intent(said, "faq", None, searched=False, certain=True, settled=True, topic="myth_last_resort") == SEARCH
    )
    asked = "I'd rather know what exists before I decide whether to join, what are the side effects usually?"
    assert search_intent(asked, "faq", None, searched=False, certain=True, settled=True, topic="risks") is None
    helping = "We want to help her look at clinical trials. Where do we start?"
    assert search_intent(helping, "faq", None, searched=False, topic="find_a_trial") == SEARCH


def test_the_trial_a_person_is_finishing_is_answered_even_when_the_topic_is_only_settled() -> None:
    finishing = (
        "I'm finishing my part of a lymphoma trial in a few weeks. It's been a year of appointments and I'm not"
        " sure what comes next or who I'll be seeing."
    )
    assert search_intent(finishing, "faq", None, searched=False, topic="after_the_trial", settled=True) is None
