"""Missed questions: found among kept messages, matched to their ids, grouped by similarity deterministically."""

from datetime import datetime, timedelta, timezone

from bot.insights.missed import MissedQuestion, MissedQuestions, group_similar
from bot.store.models import Author
from tests.bot.insights import scenario
from tests.bot.insights.seeding import Seeder, utc


async def test_misses_of_the_period_are_the_kept_messages_that_fell_back_or_were_unsure(  # type: ignore[no-untyped-def]
    sessions, database_url: str
) -> None:
    seeder = Seeder(sessions, database_url)
    seeded = await scenario.seed(seeder)
    missed = MissedQuestions(sessions)

    found = await missed.find(scenario.PERIOD)

    assert {q.text for q in found} == scenario.MISSED_TEXTS
    assert [q.at for q in found] == sorted((q.at for q in found), reverse=True), "newest first"
    by_text = {q.text: q for q in found}
    unsure = by_text["sugar pill thing?"]
    assert (unsure.reason, unsure.topic_guess) == ("low confidence", "placebo")
    assert by_text["where do i park"].reason == "fell back"
    assert by_text["can my dog come to chemo"].conversation_id == seeded.conversations["c4"]
    assert by_text["is there parking at the hospital"].channel == "webchat"

    handled = {by_text["where do i park"].message_id}
    assert {q.text for q in await missed.find(scenario.PERIOD, handled)} == scenario.MISSED_TEXTS - {"where do i park"}

    one = await missed.one(by_text["sugar pill thing?"].message_id)
    assert one is not None and (one.text, one.topic_guess) == ("sugar pill thing?", "placebo")
    assert await missed.one(2**40) is None, "an id no message can have"
    reply = await seeder.message(seeded.conversations["c1"], "Hello", utc("2025-03-10 14:11"), Author.COORDINATOR)
    assert await missed.one(reply) is None, "only people's own messages"


def _question(number: int, text: str) -> MissedQuestion:
    at = datetime(2025, 3, 10, tzinfo=timezone.utc) + timedelta(minutes=number)
    return MissedQuestion(number, "c", "telegram", text, at, True, None)


def test_obviously_similar_questions_are_grouped_and_the_rest_kept_apart() -> None:
    texts = [
        "where do i park",
        "is there free parking",
        "Is there parking at the hospital?",
        "parking??",
        "Where can I park my car?",
        "can I bring my dog",
        "is my dog allowed to come with me",
        "what is car-t",
        "what is CAR T cell therapy",
        "wifi at the clinic?",
        "lol",
        "where do i park",
        "will my insurance pay for a clinical trial",
        "what are the risks of a clinical trial",
    ]
    questions = [_question(n, t) for n, t in enumerate(texts)]

    groups = group_similar(questions)

    members = [{q.text for q in g.questions} for g in groups]
    assert {
        "where do i park",
        "is there free parking",
        "Is there parking at the hospital?",
        "parking??",
        "Where can I park my car?",
    } in members
    assert {"can I bring my dog", "is my dog allowed to come with me"} in members
    assert {"what is car-t", "what is CAR T cell therapy"} in members
    assert {"lol"} in members and {"wifi at the clinic?"} in members
    assert {"will my insurance pay for a clinical trial"} in members, "not grouped for sharing 'clinical trial'"
    assert groups[0].count == 6, "the biggest group first, a repeated question counted twice"
    assert [q.message_id for q in groups[0].questions] == sorted(
        (q.message_id for q in groups[0].questions), reverse=True
    )
    assert group_similar(list(reversed(questions))) == groups, "the same messages give the same groups"
    assert group_similar([]) == [] and [g.label for g in group_similar(questions[:1])] == ["where do i park"]
