"""Messages that are not text (a photo, a sticker, a shared file) on a scripted core: the router screens
their captions first, like any message, then answers "text only"; the model never sees them."""

from dataclasses import replace

from bot.messages import InboundKind
from bot.router import MEDIA_REPLY, Router
from bot.safety import crisis, emergency, honesty
from tests.routing import OPEN, inbound, stored_conversation, take_as_coordinator
from tests.scripted_core import ScriptedCore, handoff


def media(text: str, user: str):  # type: ignore[no-untyped-def]
    return replace(inbound(text, user), kind=InboundKind.MEDIA)


async def test_media_gets_the_disclosure_and_the_text_only_answer_without_the_model(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore()
    router = Router(sessions, core, OPEN)
    first = await router.handle(media("[photo] is this trial legit?", "media-1"))
    again = await router.handle(media("[sticker]", "media-1"))
    assert list(first.replies) == [honesty.DISCLOSURE, MEDIA_REPLY]
    assert list(again.replies) == [MEDIA_REPLY]
    assert core.texts == [], "the model never sees a photo's caption"


async def test_a_caption_about_suicide_gets_the_crisis_lines_and_an_urgent_place_in_the_queue(sessions) -> None:  # type: ignore[no-untyped-def]
    core = ScriptedCore()
    router = Router(sessions, core, OPEN)
    result = await router.handle(media("[photo] goodbye everyone, i'm going to kill myself", "media-2"))
    assert result.replies[0] == crisis.resources() and MEDIA_REPLY not in result.replies
    conversation = await stored_conversation(sessions, result.conversation_id)
    assert (conversation.status, conversation.priority) == ("waiting", "urgent")
    assert core.texts == []


async def test_a_caption_describing_an_emergency_gets_911(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, ScriptedCore(), OPEN)
    result = await router.handle(media("[voice] my son is having a seizure right now", "media-3"))
    assert result.replies[0] == emergency.advice() and MEDIA_REPLY not in result.replies


async def test_while_a_coordinator_has_the_conversation_media_is_kept_and_the_bot_is_quiet(sessions) -> None:  # type: ignore[no-untyped-def]
    router = Router(sessions, ScriptedCore().on("/human_handoff", handoff()), OPEN)
    queued = await router.handle(inbound("/human_handoff", "media-4"))
    await take_as_coordinator(sessions, queued.conversation_id)
    result = await router.handle(media("[photo] my scan", "media-4"))
    assert result.replies == () and not result.duplicate
