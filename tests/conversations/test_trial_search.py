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


def test_no_results_says_so_and_offers_to_widen(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "ts-none"
    replies = chat(running_stack.base_url, sender, "I'm 29 with hodgkin lymphoma in Columbus, OH")
    text = _texts(replies)
    assert "I didn't find open trials for hodgkin lymphoma within 100 miles of Columbus, OH" in text
    assert replies[-1]["buttons"][0]["payload"] == "search within 250 miles"
    wider = _texts(chat(running_stack.base_url, sender, "search within 3000 miles"))
    assert "within 3000 miles of Columbus, OH" in wider


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
