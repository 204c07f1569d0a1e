"""Chatting through POST /webhooks/rest/webhook answers every FAQ topic with its curated answer."""

from bot.faq.catalog import load_catalog
from bot.faq.training_data import buttons, response_text
from tests.replies import after_disclosure
from tests.stack import chat

CATALOG = load_catalog()


def test_every_topic_is_answered_with_its_curated_answer(running_stack) -> None:  # type: ignore[no-untyped-def]
    wrong = []
    for topic in CATALOG:
        replies = after_disclosure(chat(running_stack.base_url, f"faq-{topic.id}", topic.canonical_question))
        if not replies or replies[0]["text"] != response_text(topic):
            wrong.append((topic.id, replies[0]["text"][:80] if replies else None))
            continue
        assert replies[0].get("buttons", []) == buttons(topic, CATALOG), topic.id
    assert wrong == []


def test_follow_up_buttons_lead_to_their_topics(running_stack) -> None:  # type: ignore[no-untyped-def]
    placebo = CATALOG.get("placebo")
    [answer] = after_disclosure(chat(running_stack.base_url, "faq-buttons", placebo.canonical_question))
    for button in answer["buttons"]:
        [next_answer] = chat(running_stack.base_url, "faq-buttons", button["payload"])
        target = next(t for t in CATALOG if t.title == button["title"])
        assert next_answer["text"] == response_text(target)


def test_readme_examples_slang_and_typos_reach_the_right_answer(running_stack) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "do i hav to pay 4 the trial": "routine_vs_research_costs",
        "heyy so my doc mentioned a trial?? idk what that even means": "what_is_a_trial",
        "will i get a placebo": "placebo",
        "what is a biobank": "what_is_a_biobank",
        "will i get a sugar pill instead of real treatment": "myth_placebo_instead",
        "can my parents stop me from joining, im 16": "assent_minors",
    }
    for text, topic_id in cases.items():
        [reply] = after_disclosure(chat(running_stack.base_url, f"slang-{topic_id}", text))
        assert reply["text"] == response_text(CATALOG.get(topic_id)), text
