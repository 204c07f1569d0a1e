"""Crisis messages (suicide, self-harm): the detector, then the router (on a scripted core, `tests/scripted_core.py`)
and the REST endpoint with the real model."""

import logging
from typing import Any, Dict, List

import httpx
import pytest
from sqlalchemy import select

from bot.handoff import machine as handoff
from bot.handoff import texts
from bot.router import Router
from bot.safety import crisis, emergency, phrases
from bot.safety.screen import Finding, default_screen
from bot.store.models import Message, utcnow
from bot.yaml_files import read_yaml
from tests.replies import after_disclosure
from tests.routing import OPEN, inbound, position, stored_conversation, take_as_coordinator
from tests.scripted_core import ASK_CONDITION, ScriptedCore, like_the_model

DIRECT = [
    "I want to kill myself",
    "i'm thinking about suicide",
    "I feel suicidal",
    "I want to end my life",
    "i'm going to take my own life",
    "I'm planning to end it all tonight",
    "i just want to die",
    "I've been hurting myself again",
    "i started cutting again",
    "i might overdose on my meds on purpose",
    "thinking of taking all my pills at once",
    "some days i think about driving off a bridge on the way home",  # the car as the method
    "honestly i just want to fall asleep and never wake up",
    "i hope the cancer hurries up tbh",
]
INDIRECT = [
    "honestly whats the point of any of this anymore",
    "I don't want to be here anymore",
    "everyone would be better off without me",
    "I wish I could go to sleep and never wake up",
    "i have nothing left to live for",
    "I can't do this anymore",
    "my chemo isn't working and i want it all to be over",
    "I feel like such a burden, nobody would miss me",
]
SLANG = [
    "lowkey wanna kms",
    "ngl i kinda wanna unalive myself rn",
    "feeling sui tonight",
    "im gonna kys fr",  # "kys" about oneself ("going to") — on its own, "kys" is aimed at someone else
    "thinking about sewerslide",
    "im so done w life",
    "tryna end it all",
    "self-harm urges are back",
]
TYPOS = [
    "i want to kil myslef",
    "having sucidal thoughts",
    "thinking about suiside",
    "i want to k1ll mys3lf",
    "su1c1de",
    "I WANT TO DIEEEE",
    "im gonna end my lfie",
    "dont wanna be alive anymore",
]
SAFETY_FIRST = [
    "this form is killing me and honestly I want to kill myself",  # a figure of speech does not hide the rest
    "I'm not suicidal, I just think about it a lot",  # negations still fire
    "I want to die lol",  # half-jokes still fire
]
PREPARATION = [  # C-SSRS preparatory acts and method: collecting pills, getting a gun, asking what would kill
    "been stockpiling my morphine since october",
    "I bought a gun to end this if the scan is bad",
    "how many of my sleeping pills would it take to not wake up",
    "how many oxy pills kill a person my size",
    "got the pills lined up, just waiting for the house to be empty",
    "if she doesnt make it into the study im going with her i mean it",  # dying along with someone
]
CRISIS = DIRECT + INDIRECT + SLANG + TYPOS + SAFETY_FIRST + PREPARATION
ASKED_ABOUT = [
    # The word list fires on the word; the safety screen's classifier is sure it is a question, so it is
    # answered (docs/safety.md, "How the safety screen decides").
    "does the study drug cause suicidal thoughts?",
]

FIGURES_OF_SPEECH = [
    "this form is killing me",
    "I'd die for a coffee",
    "I'm dying to know if I got in",
    "you're killing it, thanks bot",
    "dead tired after chemo today",
    "the cake at the hospital cafe is to die for",
    "the suspense is killing me",
    "lol i'm dead",
    "I nearly killed myself laughing at that",
    "i could die of embarrassment, I forgot my appointment",
    "i'd kill for a nap",
    "if my sister asks about my hair one more time im going to scream",
]
TRIAL_QUESTIONS = [
    "how many people died in the trial",
    "has anyone died from the study drug?",
    "what is the death rate in this trial",
    "what happens if I die during the trial",
    "can you overdose on the trial drug by accident?",
    "what's the point of the placebo arm",
    "is the trial site within 20 kms of me",
]
EVERYDAY = [
    "I don't want to die, can a trial help",  # fear of dying is not a wish to die
    "I want to die my hair before chemo makes it fall out",  # "dye", misspelt
    "I cut myself shaving, can I still get my blood drawn",
    "I've been cutting back on sugar",
    "is this a cutting-edge treatment",
    "the swelling should subside after a week",  # close to "suicide" by spelling only
    "I want to decide whether to join the trial",
    "kys you useless bot",  # abuse aimed at the bot, not about oneself (documented decision)
    "in the end it all worked out",
    "i never wake up before 9",
    "how many weeks would it take to get results",
    "I'm going with him to the appointment on Monday",
]
NOT_CRISIS = FIGURES_OF_SPEECH + TRIAL_QUESTIONS + EVERYDAY


def test_there_are_enough_phrasings() -> None:
    assert len(CRISIS) >= 28 and len(NOT_CRISIS) >= 12 and len(CRISIS) + len(NOT_CRISIS) >= 40


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_messages_are_recognised(text: str) -> None:
    assert crisis.is_crisis(text)


@pytest.mark.parametrize("text", ASKED_ABOUT)
def test_questions_about_suicide_match_the_list_but_the_screen_lets_them_through(text: str) -> None:
    assert crisis.is_crisis(text) and default_screen().screen(text) is None


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_figures_of_speech_and_trial_questions_are_not_a_crisis(text: str) -> None:
    assert not crisis.is_crisis(text)


def test_every_listed_phrase_fires_and_no_listed_exclusion_does() -> None:
    data = read_yaml(phrases.DIRECTORY / "crisis.yml")
    listed = [p.replace(phrases.GAP, "") for group in data["phrases"].values() for p in group]
    exclusions = [p for group in data["not_matching"].values() for p in group]
    assert [p for p in data["keywords"] + listed if not crisis.is_crisis(p)] == []
    assert [p for p in exclusions if crisis.is_crisis(p)] == []


def test_a_gap_stands_for_at_most_five_words() -> None:
    assert crisis.is_crisis("i will overdose tonight on purpose")
    assert not crisis.is_crisis("i could overdose by accident if i mix these up, not on purpose")


def test_typos_need_the_right_first_letter_and_short_words_must_be_exact() -> None:
    assert phrases.similar("myslef", "myself") and phrases.similar("kil", "kill")
    assert not phrases.similar("fill", "kill") and not phrases.similar("dye", "die")
    assert not phrases.similar("subside", "suicide")


def test_a_malformed_list_fails_loudly() -> None:
    with pytest.raises(ValueError, match="words around"):
        phrases.parse({"keywords": ["suicide"], "phrases": {"x": ["... on purpose"]}, "not_matching": []})
    with pytest.raises(ValueError, match="one word"):
        phrases.parse({"keywords": ["kill myself"], "phrases": [], "not_matching": []})


def test_the_resources_give_988_by_call_text_and_chat_and_911() -> None:
    text = crisis.resources().text
    assert "call or text 988" in text and "988lifeline.org" in text
    assert "If you're in danger right now, call 911." in text


# Through the router, on a scripted core: what the model says does not matter here, what it is asked does.


def _texts(replies: Any) -> List[str]:
    return [r.text for r in replies]


ROUTED = ["honestly whats the point of any of this anymore", "lowkey wanna kms", "i want to kil myslef"]


@pytest.mark.parametrize("text", ROUTED)
async def test_a_crisis_gets_the_lines_and_jumps_the_queue(sessions, caplog, text: str) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    earlier = await router.handle(inbound("can I talk to someone real", "already-waiting"))
    assert (await stored_conversation(sessions, earlier.conversation_id)).status == "waiting"
    with caplog.at_level(logging.DEBUG, logger="bot"):
        result = await router.handle(inbound(text, "in-crisis"))
    assert result.replies[0] == crisis.resources()
    assert _texts(after_disclosure(result.replies[1:])) == [
        texts.urgent_queued().text,
        texts.queued(1, OPEN.office_hours, utcnow()).text,
    ]
    assert core.texts == ["can I talk to someone real"]  # the model never saw the crisis message
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert (conversation.status, conversation.priority) == ("waiting", "urgent")
    assert await position(sessions, result.conversation_id) == 1
    assert await position(sessions, earlier.conversation_id) == 2
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot")]
    assert f"crisis detected in conversation {result.conversation_id}" in ours
    assert not [line for line in ours if text in line]


async def test_a_crisis_in_the_middle_of_the_trial_search_comes_first(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    asked = await router.handle(inbound("/search_trials", "mid-form"))
    assert [r.text for r in after_disclosure(asked.replies)] == [ASK_CONDITION]
    result = await router.handle(inbound("i dont want to be here anymore", "mid-form"))
    assert result.replies[0] == crisis.resources()
    assert core.texts == ["/search_trials"], "the form never saw the crisis message"
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert (conversation.status, conversation.priority) == ("waiting", "urgent")


async def test_someone_else_at_risk_gets_how_to_help_them_and_the_queue(sessions, caplog) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    with caplog.at_level(logging.WARNING, logger="bot"):
        result = await router.handle(inbound("my brother texted me he is going to end his life tonight", "worried"))
    assert result.replies[0] == crisis.for_someone_else()
    assert "988" in result.replies[0].text and "911" in result.replies[0].text
    assert texts.urgent_queued().text in _texts(result.replies)
    assert core.texts == [], "the model never saw the message"
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert (conversation.status, conversation.priority) == ("waiting", "urgent")
    assert f"crisis (someone else) detected in conversation {result.conversation_id}" in caplog.messages


async def test_after_an_emergency_answer_the_trial_search_goes_on(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("/search_trials", ASK_CONDITION).on("hodgkin lymphoma", "How old are you?")
    router = Router(sessions, core, OPEN)
    await router.handle(inbound("/search_trials", "search-goes-on"))
    urgent = await router.handle(inbound("wait my temp just hit 39.2 and im shaking", "search-goes-on"))
    assert urgent.replies[0] == emergency.advice()
    answered = await router.handle(inbound("hodgkin lymphoma", "search-goes-on"))
    assert [r.text for r in answered.replies] == ["How old are you?"]
    assert core.texts == ["/search_trials", "hodgkin lymphoma"], "the form gets the next answer, not the emergency"


async def test_while_waiting_a_crisis_still_gets_the_lines_and_becomes_urgent(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, like_the_model(), OPEN)
    first = await router.handle(inbound("/human_handoff", "waits-first"))
    later = await router.handle(inbound("/human_handoff", "waits-then-crisis"))
    assert await position(sessions, later.conversation_id) == 2
    result = await router.handle(inbound("I feel suicidal", "waits-then-crisis"))
    assert list(result.replies) == [crisis.resources(), texts.already_waiting(1)]
    assert (await stored_conversation(sessions, later.conversation_id)).priority == "urgent"
    assert await position(sessions, first.conversation_id) == 2


async def test_with_a_coordinator_the_lines_are_still_sent_and_stored(sessions) -> None:  # type: ignore[no-untyped-def]
    core = like_the_model()
    router = Router(sessions, core, OPEN)
    queued = await router.handle(inbound("/human_handoff", "with-person"))
    await take_as_coordinator(sessions, queued.conversation_id)
    quiet = await router.handle(inbound("sorry, one sec", "with-person"))
    result = await router.handle(inbound("i want to end it all", "with-person"))
    assert quiet.replies == () and list(result.replies) == [crisis.resources()]
    assert core.texts == ["/human_handoff"]
    assert (await stored_conversation(sessions, queued.conversation_id)).status == "with_coordinator"
    async with sessions() as session:
        stored = (
            (await session.execute(select(Message).where(Message.conversation_id == queued.conversation_id)))
            .scalars()
            .all()
        )
    assert [(m.direction, m.author) for m in stored if m.text == crisis.resources().text] == [("outbound", "bot")]


async def test_a_figure_of_speech_is_answered_by_the_model(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore().on("this form is killing me", "Sorry about the form! Which part is confusing?")
    router = Router(sessions, core, OPEN)
    result = await router.handle(inbound("this form is killing me", "figure"))
    assert core.texts == ["this form is killing me"]
    assert [r.text for r in after_disclosure(result.replies)] == ["Sorry about the form! Which part is confusing?"]
    assert (await stored_conversation(sessions, result.conversation_id)).status == "bot"


# Through the REST endpoint of an in-process gateway.


async def test_the_rest_endpoint_answers_a_crisis_with_the_lines(gateway, sessions) -> None:  # type: ignore[no-untyped-def]
    said = {
        "rest-crisis-1": "honestly whats the point of any of this anymore",
        "rest-crisis-2": "ngl i kinda wanna unalive myself rn",
        "rest-figure": "I'd die for a coffee",
    }
    answers: Dict[str, List[Dict[str, Any]]] = {}
    async with (
        gateway(HANDOFF_OFFICE_HOURS="always", HANDOFF_TIMEZONE="UTC") as url,
        httpx.AsyncClient(timeout=60) as client,
    ):
        for sender, text in said.items():
            response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
            response.raise_for_status()
            answers[sender] = response.json()
    for sender in ("rest-crisis-1", "rest-crisis-2"):
        first, *rest = answers[sender]
        second, *_ = after_disclosure(rest)
        assert first == {"recipient_id": sender, "text": crisis.resources().text}
        assert second["text"] == texts.urgent_queued().text
    assert "988" not in " ".join(a["text"] for a in answers["rest-figure"])
    async with sessions() as session:
        waiting = await handoff.queue(session)
    assert [c.priority for c in waiting] == ["urgent", "urgent"]


def test_a_crisis_is_someone_elses_only_when_the_message_names_another_person() -> None:
    assert crisis.names_someone_else("my husbnd said he wants to end it")  # a typo in a long word
    assert crisis.names_someone_else("my bff is saving her pills")
    assert not crisis.names_someone_else("I bought a gun to end this if the scan is bad")  # "the" is not "they"
    assert default_screen().screen("I bought a gun to end this if the scan is bad") is Finding.CRISIS
    shut_away = "my brother locked himself in the garage with his pills and he is not answering"
    assert crisis.is_crisis(shut_away) and default_screen().screen(shut_away) is Finding.CRISIS_OTHER
