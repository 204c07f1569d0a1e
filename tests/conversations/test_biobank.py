"""Biobank donation as real conversations through POST /webhooks/rest/webhook (model, actions, snapshot)."""

import re

from bot.faq.catalog import load_catalog
from bot.faq.training_data import response_text
from tests.replies import after_disclosure
from tests.stack import chat

CATALOG = load_catalog()
SOURCE = re.compile(r"^Source: https://\S+$", re.M)
MILES = re.compile(r" — (less than a mile|[\d,]+ miles) — ")


def _texts(replies: list) -> str:
    return "\n".join(r["text"] for r in replies)


def _center_lines(text: str) -> list:
    return [line for line in text.splitlines() if re.match(r"^\d\. ", line) and MILES.search(line)]


def _miles(line: str) -> float:
    found = MILES.search(line).group(1)
    return 0.5 if found == "less than a mile" else float(found.split()[0].replace(",", ""))


def test_how_do_i_donate(running_stack) -> None:  # type: ignore[no-untyped-def]
    replies = chat(running_stack.base_url, "bb-how", "How do I donate?")
    text = _texts(replies)
    assert "Your own hospital's biobank" in text and "Cancer Moonshot Biobank (NCT04314401)" in text
    assert "tumor tissue from biopsies or surgeries you are already having" in text
    assert "Donating costs nothing" in text and "You and your doctor can get the results" in text
    assert len(SOURCE.findall(text)) >= 3
    assert "/donate_where" in [b["payload"] for b in replies[-1]["buttons"]]


def test_where_without_a_place_asks_for_it_then_lists_nearest_and_trials_reuse_it(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "bb-where"
    asked = _texts(chat(running_stack.base_url, sender, "Where can I donate near me?"))
    assert "Where do you live?" in asked

    text = _texts(chat(running_stack.base_url, sender, "Boston, MA"))
    lines = _center_lines(text)
    assert lines[0].startswith("1. Dana-Farber/Harvard Cancer Center — Boston, MA")
    assert [_miles(line) for line in lines] == sorted(_miles(line) for line in lines)
    assert "Source: https://www.cancer.gov/research/infrastructure/cancer-centers/find" in text
    assert "NCT03141021" in text  # a sample-keeping study with an open site in Boston
    assert "may be incomplete" in text and "ask your care team" in text
    details = _texts(chat(running_stack.base_url, sender, "tell me more about NCT03141021"))
    assert "Full details: https://clinicaltrials.gov/study/NCT03141021" in details

    # the trial search asks only for what it does not know yet: not the place
    assert "What kind of cancer" in _texts(chat(running_stack.base_url, sender, "find trials near me"))
    assert "How old" in _texts(chat(running_stack.base_url, sender, "breast cancer"))
    text = _texts(chat(running_stack.base_url, sender, "41"))
    assert "searching open trials for breast cancer within 100 miles of Boston, MA, for age 41" in text


def test_after_a_trial_search_biobank_questions_reuse_what_the_bot_knows(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "bb-after-search"
    searched = _texts(chat(running_stack.base_url, sender, "I'm 34 with breast cancer in 77030"))
    assert "searching open trials for breast cancer" in searched

    text = _texts(chat(running_stack.base_url, sender, "Can I donate?"))
    assert "You said 34, so this part fits." in text
    assert "You told me breast cancer: breast cancer is on the list (stage 3 or 4)." in text
    assert "Only the study team can decide if you can join." in text
    assert "Source: https://clinicaltrials.gov/study/NCT04314401" in text
    assert "What kind of cancer" not in text and "How old" not in text

    text = _texts(chat(running_stack.base_url, sender, "Where can I donate near me?"))
    assert "Where do you live?" not in text
    assert "nearest Houston, TX 77030. You can ask their teams about giving tissue or blood" in text
    lines = _center_lines(text)
    assert len(lines) == 3 and "Houston, TX" in lines[0]
    assert [_miles(line) for line in lines] == sorted(_miles(line) for line in lines)
    assert SOURCE.search(text)


def test_can_i_donate_with_the_details_in_the_question(running_stack) -> None:  # type: ignore[no-untyped-def]
    text = _texts(chat(running_stack.base_url, "bb-can", "can I donate? I'm 52 with ovarian cancer"))
    assert "You said 52, so this part fits." in text
    assert "ovarian cancer (high-grade serous) is on the list" in text
    assert "Only the study team can decide" in text and SOURCE.search(text)


def test_sample_results_and_profiling_questions_get_their_sourced_answers(running_stack) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "What happens to my sample?": "biobank_samples_use",
        "Can I take my sample back?": "withdraw_samples",
        "Will I get results from my sample?": "biobank_results",
        "What is tumor profiling and how do I get it?": "tumor_profiling",
    }
    for text, topic_id in cases.items():
        [reply] = after_disclosure(chat(running_stack.base_url, f"bb-{topic_id}", text))
        assert reply["text"] == response_text(CATALOG.get(topic_id)), text
        assert SOURCE.search(reply["text"]), text
    profiling = CATALOG.get("tumor_profiling").answer
    assert "To get it, ask your cancer doctor" in profiling


def test_faq_buttons_lead_into_the_donation_answers(running_stack) -> None:  # type: ignore[no-untyped-def]
    sender = "bb-buttons"
    [moonshot] = after_disclosure(chat(running_stack.base_url, sender, "what is the cancer moonshot biobank"))
    payloads = {b["title"]: b["payload"] for b in moonshot["buttons"]}
    text = _texts(chat(running_stack.base_url, sender, payloads["Can I donate?"]))
    assert "Here's who the Cancer Moonshot Biobank (NCT04314401) can take" in text
    assert "If you tell me the cancer type and age" in text
    assert "Where do you live?" in _texts(chat(running_stack.base_url, sender, payloads["Where can I donate?"]))


def test_help_says_the_bot_explains_donating(running_stack) -> None:  # type: ignore[no-untyped-def]
    [reply] = chat(running_stack.base_url, "bb-help", "what can you do")
    assert "donating tumor tissue and blood" in reply["text"]
    assert {"title": "How do I donate tissue?", "payload": "/donate_how"} in reply["buttons"]


def test_a_programme_asked_by_name_and_a_follow_up_on_it(running_stack) -> None:  # type: ignore[no-untyped-def]
    """The Cancer Moonshot Biobank asked about by its name gets its answer; a follow-up about joining it
    is a donation question, not a reference to a trial in a list."""
    sender = "bb-by-name"
    [reply] = after_disclosure(chat(running_stack.base_url, sender, "tell me about the cancer moonshot biobank"))
    assert reply["text"] == response_text(CATALOG.get("moonshot_biobank"))
    text = _texts(chat(running_stack.base_url, sender, "could i join the moonshot biobank? i'm 45 with lung cancer"))
    assert "Which trial?" not in text and "I've listed" not in text
    assert "You said 45, so this part fits." in text and "Source: https://clinicaltrials.gov/study/NCT04314401" in text
