"""Trial search as real conversations through POST /webhooks/rest/webhook (model, actions, snapshot)."""

import re

from actions import remembering
from tests.stack import chat

NCT = re.compile(r"NCT\d{8}")


def _texts(replies: list) -> str:
    return "\n".join(r["text"] for r in replies)


def _result_lines(text: str) -> list:
    return [line for line in text.splitlines() if re.match(r"^\d+\. ", line)]


def test_everything_at_once_searches_and_lists_results(running_stack) -> None:  # type: ignore[no-untyped-def]
    replies = chat(running_stack.base_url, "ts-once", "I'm 34 with breast cancer in 77030")
    text = _texts(replies)
    assert "searching open trials for breast cancer within 100 miles of Houston, TX 77030, for age 34" in text
    lines = _result_lines(text)
    assert len(lines) == 3
    for line in lines:
        assert NCT.search(line) and "Houston, Texas" in line and "miles" in line
    assert replies[-1]["text"] == remembering.QUESTION  # asked once, after the first results
    assert replies[-2]["text"] == "Only the study team can say for sure if you can join."
    titles = [b["title"] for b in replies[-2]["buttons"]]
    assert titles[:2] == ["Tell me more about 1", "Show more"]


def test_form_asks_only_for_what_is_missing(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-form"
    assert "What kind of cancer" in _texts(chat(running_stack.base_url, sender, "find trials near me"))
    assert "How old" in _texts(chat(running_stack.base_url, sender, "lung cancer"))
    assert "Where do you live" in _texts(chat(running_stack.base_url, sender, "60"))
    text = _texts(chat(running_stack.base_url, sender, "Chicago, IL"))
    assert "searching open trials for lung cancer within 100 miles of Chicago, IL, for age 60" in text
    assert len(_result_lines(text)) == 3

    # a correction re-runs the search with the rest kept
    text = _texts(chat(running_stack.base_url, sender, "actually I'm in Boston"))
    assert "lung cancer within 100 miles of Boston, MA, for age 60" in text

    more = _texts(chat(running_stack.base_url, sender, "show more"))
    assert more.startswith("More (4–6 of ")
    numbers = [int(line.split(".")[0]) for line in _result_lines(more)]
    assert numbers == [4, 5, 6]

    details = _texts(chat(running_stack.base_url, sender, "tell me more about the second one"))
    assert "Who can join (key points):" in details
    assert re.search(r"Full details: https://clinicaltrials\.gov/study/NCT\d{8}", details)
    assert "Only the study team can say" in details


def test_details_match_the_listed_result(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-details"
    listed = _result_lines(_texts(chat(running_stack.base_url, sender, "28 y/o, lung cancer, near Chicago, IL")))
    second_id = NCT.search(listed[1]).group(0)
    details = _texts(chat(running_stack.base_url, sender, "more about 2"))
    assert f"https://clinicaltrials.gov/study/{second_id}" in details
    assert "Nearest site:" in details


def test_no_results_says_how_far_the_nearest_is_and_offers_it(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-none"
    replies = chat(running_stack.base_url, sender, "I'm 29 with hodgkin lymphoma in Columbus, OH")
    text = _texts(replies)
    assert "I didn't find open trials for hodgkin lymphoma within 100 miles of Columbus, OH" in text
    nearest = re.search(r"The nearest is about ([\d,]+) miles away, in [^(]+\((NCT\d{8})\)", text)
    assert nearest, text
    miles = float(nearest.group(1).replace(",", ""))
    payload = replies[-1]["buttons"][0]["payload"]
    reach = float(re.fullmatch(r"search within (\d+) miles", payload).group(1))  # type: ignore[union-attr]
    assert miles < reach <= miles + 11
    wider = _texts(chat(running_stack.base_url, sender, payload))
    assert f"within {reach:g} miles of Columbus, OH" in wider
    assert nearest.group(2) in wider, "the offered search finds the trial it named"


def test_a_cancer_no_trial_is_for_gets_its_family_offered_as_such(running_stack) -> None:  # type: ignore[no-untyped-def]
    replies = chat(running_stack.base_url, "ts-family", "I'm 45 with liposarcoma in Houston, TX, any trials?")
    text = _texts(replies)
    assert "I didn't find open trials for liposarcoma within 100 miles of Houston, TX" in text
    assert "There are open trials for sarcoma in general near Houston, TX." in text
    assert not _result_lines(text), "a sarcoma trial may not take liposarcoma: offered, not listed as theirs"
    payload = replies[-1]["buttons"][0]["payload"]
    family = _texts(chat(running_stack.base_url, "ts-family", payload))
    assert "searching open trials for sarcoma within 100 miles of Houston, TX, for age 45" in family
    assert _result_lines(family), family
    assert "male cell" not in _texts(chat(running_stack.base_url, "ts-mantle", "mantle cell lymphoma trials"))


def test_a_place_corrected_after_a_broader_search_keeps_the_persons_own_cancer(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-broader-kept"
    message = "44 with muscle invasive bladder cancer in Buffalo, NY. trials?"
    first = _texts(chat(running_stack.base_url, sender, message))
    assert "Here are open trials for bladder cancer in general" in first, first
    again = _texts(chat(running_stack.base_url, sender, "could you search near Rochester NY instead?"))
    assert "searching open trials for muscle invasive bladder cancer within 100 miles of Rochester, NY" in again, again


def test_markers_said_before_an_abbreviation_narrow_the_search(running_stack) -> None:  # type: ignore[no-untyped-def]
    text = _texts(chat(running_stack.base_url, "ts-markers", "EGFR+ NSCLC, 45, Raleigh NC. any trials?"))
    assert "searching open trials for egfr positive nonsmall cell lung cancer within 100 miles of Raleigh, NC" in text


# The failure kinds of the issue that asked for this understanding, each as a conversation.


def test_a_first_message_holding_everything_searches(running_stack) -> None:  # type: ignore[no-untyped-def]
    text = _texts(
        chat(
            running_stack.base_url,
            "ts-all-in-one",
            "my nephew just turned sixteen, he has hodgkins lymphoma and they live in 10032. any studies open to him?",
        )
    )
    assert "searching open trials for hodgkin lymphoma within 100 miles of New York, NY 10032, for age 16" in text


def test_a_teenager_asking_for_anything_near_a_city_gets_a_search(running_stack) -> None:  # type: ignore[no-untyped-def]
    text = _texts(chat(running_stack.base_url, "ts-teen", "im 17 w osteosarcoma, anything near memphis??"))
    assert "searching open trials for osteosarcoma within 100 miles of Memphis, TN, for age 17" in text


def test_the_answer_to_where_do_you_live_is_taken_as_the_place(running_stack) -> None:  # type: ignore[no-untyped-def]
    for sender, answer, name in (
        ("ts-city-st", "Baltimore, MD", "Baltimore, MD"),
        ("ts-city-state", "Baltimore, Maryland", "Baltimore, MD"),
        ("ts-city-state-no-comma", "baltimore maryland", "Baltimore, MD"),
        ("ts-zip", "21287", "Baltimore, MD 21287"),
    ):
        chat(running_stack.base_url, sender, "can you find trials for my mom")
        chat(running_stack.base_url, sender, "breast cancer")
        assert "Where do you live" in _texts(chat(running_stack.base_url, sender, "she is 70"))
        text = _texts(chat(running_stack.base_url, sender, answer))
        assert f"searching open trials for breast cancer within 100 miles of {name}, for age 70" in text, answer


def test_a_short_search_keeps_its_cancer_and_the_age_answer_is_an_age(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-short"
    assert "How old" in _texts(chat(running_stack.base_url, sender, "melanoma trials in denver"))
    text = _texts(chat(running_stack.base_url, sender, "50"))
    assert "searching open trials for melanoma within 100 miles of Denver, CO, for age 50" in text


def test_places_with_trailing_words_full_state_names_and_countries(running_stack) -> None:  # type: ignore[no-untyped-def]
    for sender, message, name in (
        ("ts-trailing", "pancreatic cancer, 61, near Houston where my sister lives", "Houston, TX"),
        ("ts-no-comma", "pancreatic cancer, 61, lives in dayton ohio", "Dayton, OH"),
        ("ts-country", "pancreatic cancer, 61, we live in Vancouver Canada", "Vancouver, Canada"),
    ):
        text = _texts(chat(running_stack.base_url, sender, message))
        assert f"searching open trials for pancreatic cancer within 100 miles of {name}, for age 61" in text, message


def test_a_correction_after_the_results_searches_again(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-correction"
    chat(running_stack.base_url, sender, "my husband is 66 with lung cancer, we're in chicago")
    text = _texts(chat(running_stack.base_url, sender, "oh wait he's 62 not 66"))
    assert "searching open trials for lung cancer within 100 miles of Chicago, IL, for age 62" in text


def test_a_place_corrected_with_not_searches_the_new_place(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-not-place"
    chat(running_stack.base_url, sender, "multiple myeloma, 64, madison wi")
    correction = "sorry I meant Milwaukee, not Madison. thats where I get treated"
    text = _texts(chat(running_stack.base_url, sender, correction))
    assert "searching open trials for multiple myeloma within 100 miles of Milwaukee, WI, for age 64" in text


def test_a_corrected_city_is_the_namesake_near_the_place_given_before(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-namesake"
    chat(running_stack.base_url, sender, "ovarian cancer, 47, Winnipeg Manitoba")
    text = _texts(chat(running_stack.base_url, sender, "sorry, we actually live in Brandon now"))
    assert "searching open trials for ovarian cancer within 100 miles of Brandon, Canada, for age 47" in text


def test_a_cancer_named_in_a_story_the_model_cannot_read_starts_the_search(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-story"
    first = "my brother's ewing sarcoma came back this fall. he can't face reading about it so I'm doing the legwork"
    assert "How old" in _texts(chat(running_stack.base_url, sender, first))


def test_a_length_of_time_is_not_taken_for_the_age(running_stack) -> None:  # type: ignore[no-untyped-def]
    text = _texts(
        chat(
            running_stack.base_url,
            "ts-duration",
            "I live in Spokane Washington. I'm 58 and my colon cancer came back after seven years. Anything nearby?",
        )
    )
    assert "colon cancer within 100 miles of Spokane, WA, for age 58" in text


def test_bad_place_and_impossible_age_get_a_second_ask(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-bad"
    chat(running_stack.base_url, sender, "find trials near me")
    chat(running_stack.base_url, sender, "breast cancer")
    text = _texts(chat(running_stack.base_url, sender, "250"))
    assert "doesn't look like an age" in text
    chat(running_stack.base_url, sender, "41")
    text = _texts(chat(running_stack.base_url, sender, "Xyzzyville"))
    assert "couldn't find “Xyzzyville”" in text and "Columbus, OH" in text
    text = _texts(chat(running_stack.base_url, sender, "Seattle, WA"))
    assert "breast cancer within 100 miles of Seattle, WA, for age 41" in text


def test_cancer_without_its_kind_gets_the_question_which_one(running_stack) -> None:  # type: ignore[no-untyped-def]
    text = _texts(
        chat(
            running_stack.base_url,
            "ts-generic",
            "my mom has been fighting cancer for three years and nothing works anymore. are there any trials?",
        )
    )
    assert "What kind of cancer is it?" in text, text
    assert "searching open trials for cancer " not in text
