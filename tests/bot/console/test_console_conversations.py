"""The console at work over real HTTP: queue, transcript, take, reply, notes, hand back, close, the audit log,
escaping, what the bot knows (the real model's tracker), and live updates; people chat with a scripted core."""

from __future__ import annotations

import asyncio
import json
from typing import List

from sqlalchemy import select

from bot.console import canned
from bot.handoff import satisfaction
from bot.store.models import AuditEvent, Coordinator, Message, Role
from bot.store.repository import ConversationRepository
from tests.bot.console.browsing import Console
from tests.tracker import copy_tracker_events, tracker_slot

ATTACK = "<script>alert(1)</script>"


async def _stored(console: Console, conversation_id: str) -> List[Message]:
    async with console.sessions() as session:
        result = await session.execute(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
        return list(result.scalars())


async def test_the_queue_lists_a_waiting_conversation_with_channel_priority_and_wait(console: Console) -> None:
    browser = await console.signed_in("ann@example.org", "Ann")
    await console.say("queue-person", "hello")
    conversation_id = await console.waiting("queue-person")
    for page in ("/console", "/console/fragments/queue"):
        html = (await browser.http.get(page)).text
        waiting = html.split('id="waiting-title"', 1)[1].split('id="mine-title"', 1)[0]
        assert f'href="/console/conversations/{conversation_id}"' in waiting
        assert '<span class="channel">rest</span>' in waiting
        assert '<span class="badge">normal</span>' in waiting
        assert '<td class="wait">just now</td>' in waiting
        assert "<td>1</td>" in waiting  # first in line
        assert "/human_handoff" in waiting  # what the person last said


async def test_what_people_type_is_escaped_everywhere(console: Console) -> None:
    browser = await console.signed_in("bo@example.org", "Bo")
    await console.say("attacker", ATTACK)
    conversation_id = await console.waiting("attacker")
    await console.say("attacker", f"still here {ATTACK}")
    note = await browser.post(f"/console/conversations/{conversation_id}/note", text=f"note {ATTACK}")
    assert note.status_code == 303
    pages = [
        f"/console/conversations/{conversation_id}",
        f"/console/conversations/{conversation_id}/transcript",
        "/console",
        "/console/fragments/queue",
    ]
    for page in pages:
        html = (await browser.http.get(page)).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
        assert ATTACK not in html, page


async def test_take_reply_note_hand_back_and_close(console: Console) -> None:
    browser = await console.signed_in("cy@example.org", "Cy")
    await console.say("flow-person", "hi")
    conversation_id = await console.waiting("flow-person")
    async with console.sessions() as session:
        me = (await session.execute(select(Coordinator))).scalars().one()

    page = await browser.http.get(f"/console/conversations/{conversation_id}")
    assert page.status_code == 200 and "Waiting for a coordinator" in page.text
    assert ">Take</button>" in page.text and "Hand back to the bot" in page.text

    taken = await browser.post(f"/console/conversations/{conversation_id}/take")
    assert "You've taken this conversation" in await browser.flash_after(taken)
    assert (await console.conversation("flow-person")).status == "with_coordinator"
    assert console.channel.texts() == ["Cy from the trials team has joined the chat. (This is a person, not the bot.)"]

    item = f"/console/conversations/{conversation_id}"
    replied = await browser.post(f"{item}/reply", text="  Hi, I'm Cy. How can I help?  ")
    assert await browser.flash_after(replied) == "Sent."
    reply = (await _stored(console, conversation_id))[-1]
    assert (reply.author, reply.kind, reply.coordinator_id, reply.text) == (
        "coordinator",
        "text",
        me.id,
        "Hi, I'm Cy. How can I help?",
    )
    [(address, replies)] = console.channel.sent[-1:]
    assert (address.channel, address.platform_user_id, replies[0].text) == ("rest", "flow-person", reply.text)

    noted = await browser.post(f"/console/conversations/{conversation_id}/note", text="Asked about the trial in Ohio")
    assert "never sent" in await browser.flash_after(noted)
    note = (await _stored(console, conversation_id))[-1]
    assert (note.author, note.kind, note.coordinator_id) == ("coordinator", "private_note", me.id)
    assert "Asked about the trial in Ohio" not in console.channel.texts()  # never delivered
    async with console.sessions() as session:
        to_the_person = await ConversationRepository(session).messages_of(conversation_id)
    assert note.id not in [m.id for m in to_the_person]  # what a channel's transcript shows the person
    assert await console.say("flow-person", "thanks!") == []  # the bot stays silent while Cy has it
    transcript = (await browser.http.get(f"/console/conversations/{conversation_id}/transcript")).text
    assert "Private note · never sent" in transcript and "Asked about the trial in Ohio" in transcript
    assert "Cy (coordinator)" in transcript and "trialbot (bot)" in transcript and "thanks!" in transcript

    handed = await browser.post(f"/console/conversations/{conversation_id}/hand-back")
    assert "Handed back" in await browser.flash_after(handed)
    assert (await console.conversation("flow-person")).status == "bot"
    *_, back, asked = console.channel.texts()
    assert back.startswith("I'm back!") and asked == satisfaction.question().text
    answer = await console.say("flow-person", "/greet")
    assert answer and "automated assistant" in answer[0]["text"]  # the bot answers again

    await browser.post(f"/console/conversations/{conversation_id}/take")
    closed = await browser.post(f"/console/conversations/{conversation_id}/close")
    assert "closed" in await browser.flash_after(closed)
    assert (await console.conversation("flow-person")).status == "closed"
    page = await browser.http.get(f"/console/conversations/{conversation_id}")
    assert "Send reply" not in page.text and ">Close</button>" not in page.text
    refused = await browser.post(f"/console/conversations/{conversation_id}/reply", text="one more thing")
    assert await browser.flash_after(refused) == "This conversation is closed."
    await console.say("flow-person", "hello again")
    assert (await console.conversation("flow-person")).id != conversation_id  # a new conversation starts


async def test_the_audit_log_shows_who_viewed_took_replied_and_handed_back(console: Console) -> None:
    admin = await console.signed_in("dana@example.org", "Dana", Role.ADMIN)
    conversation_id = await console.waiting("audited-person")
    await admin.http.get(f"/console/conversations/{conversation_id}")
    await admin.post(f"/console/conversations/{conversation_id}/take")
    await admin.post(f"/console/conversations/{conversation_id}/reply", text="Hello")
    await admin.post(f"/console/conversations/{conversation_id}/note", text="private")
    await admin.post(f"/console/conversations/{conversation_id}/hand-back")
    async with console.sessions() as session:
        entries = (
            (
                await session.execute(
                    select(AuditEvent.action)
                    .where(AuditEvent.conversation_id == conversation_id)
                    .order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert entries == ["viewed", "took", "replied", "noted", "handed_back"]
    log = (await admin.http.get("/console/audit")).text
    rows = log.split("<tbody>", 1)[1]
    for label in ("handed back to the bot", "added a private note", "replied", "took the conversation", "viewed"):
        assert f"<td>Dana</td>\n      <td>{label}</td>" in rows, label
    assert rows.index("handed back to the bot") < rows.index("took the conversation") < rows.index("viewed")
    one = (await admin.http.get(f"/console/audit?conversation={conversation_id}")).text
    assert "handed back to the bot" in one and "signed in" not in one


async def test_a_colleague_cannot_take_or_answer_a_conversation_someone_has(console: Console) -> None:
    eli = await console.signed_in("eli@example.org", "Eli")
    flo = await console.signed_in("flo@example.org", "Flo")
    conversation_id = await console.waiting("shared-person")
    await eli.post(f"/console/conversations/{conversation_id}/take")
    page = (await flo.http.get(f"/console/conversations/{conversation_id}")).text
    assert "Eli is talking with this person" in page and "Send reply" not in page
    taken = await flo.post(f"/console/conversations/{conversation_id}/take")
    assert await flo.flash_after(taken) == "Eli is already talking with this person."
    replied = await flo.post(f"/console/conversations/{conversation_id}/reply", text="me too")
    assert await flo.flash_after(replied) == "Eli is already talking with this person."
    assert "me too" not in [m.text for m in await _stored(console, conversation_id)]
    queue = (await flo.http.get("/console")).text
    colleagues = queue.split('id="colleagues-title"', 1)[1].split('id="recent-title"', 1)[0]
    assert conversation_id in colleagues and "With Eli" in colleagues


async def test_a_failed_delivery_is_saved_and_shown(console: Console) -> None:
    browser = await console.signed_in("gus@example.org", "Gus")
    conversation_id = await console.waiting("unreachable-person")
    console.channel.fail = "the platform is down"
    replied = await browser.post(f"/console/conversations/{conversation_id}/reply", text="Are you there?")
    assert await browser.flash_after(replied) == "Saved, but not delivered on rest: the platform is down"
    assert (await _stored(console, conversation_id))[-1].text == "Are you there?"


async def test_canned_responses_can_be_sent_as_they_are(console: Console) -> None:
    browser = await console.signed_in("hana@example.org", "Hana")
    conversation_id = await console.waiting("canned-person")
    page = (await browser.http.get(f"/console/conversations/{conversation_id}")).text
    hello = canned.load()[0]
    assert hello.title in page and 'data-fill="reply-text"' in page
    text = hello.for_coordinator("Hana")
    assert "{coordinator}" not in text and "Hana" in text
    sent = await browser.post(f"/console/conversations/{conversation_id}/reply", text=text)
    assert await browser.flash_after(sent) == "Sent."
    assert console.channel.texts()[-1] == text


async def test_unknown_conversations_are_404(console: Console) -> None:
    browser = await console.signed_in("ida@example.org", "Ida")
    assert (await browser.http.get("/console/conversations/nope")).status_code == 404
    assert (await browser.http.get("/console/conversations/nope/transcript")).status_code == 404
    assert (await browser.http.get("/console/conversations/" + "x" * 500)).status_code == 404
    for action in ("reply", "note", "take", "hand-back", "close"):
        assert (await browser.post(f"/console/conversations/nope/{action}", text="hi")).status_code == 404


async def test_the_page_shows_what_the_bot_knows(model_console: Console, core_pool, database_url: str) -> None:  # type: ignore[no-untyped-def]
    console = model_console  # what the real model learnt, read from its tracker
    browser = await console.signed_in("jay@example.org", "Jay")
    answer = await console.say("searcher", "I'm 34 with breast cancer in 77030")
    assert answer, "the search answered"
    conversation_id = (await console.conversation("searcher")).id
    # In production Rasa keeps its trackers in our database; the test worker writes them to its own file,
    # so copy this conversation's real events (and Rasa's table) next to ours.
    copy_tracker_events(core_pool.settings.tracker_store_url, database_url, conversation_id)
    page = (await browser.http.get(f"/console/conversations/{conversation_id}")).text
    facts = page.split("What the bot knows", 1)[1].split("</section>", 1)[0]
    assert "<dt>Cancer type</dt><dd>breast cancer</dd>" in facts.replace("\n", "")
    assert "<dd>34</dd>" in facts
    assert "Houston" in facts or "77030" in facts
    shown = tracker_slot(database_url, conversation_id, "result_ids")
    assert shown, "the bot showed trials"
    for nct_id in shown:
        assert f'href="https://clinicaltrials.gov/study/{nct_id}"' in facts


async def test_live_updates_announce_new_messages(console: Console) -> None:
    browser = await console.signed_in("kai@example.org", "Kai")
    await console.say("live-person", "hello")
    conversation_id = (await console.conversation("live-person")).id
    async with browser.http.stream("GET", "/console/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()

        async def next_data() -> dict:
            async for line in lines:
                if line.startswith("data: "):
                    return json.loads(line[len("data: ") :])  # type: ignore[no-any-return]
            raise AssertionError("the stream ended")

        first = await asyncio.wait_for(lines.__anext__(), timeout=10)
        assert first.startswith("retry:")  # subscribed: from now on every change is announced
        sending = asyncio.get_running_loop().create_task(console.say("live-person", "is anyone there?"))
        event = await asyncio.wait_for(next_data(), timeout=60)
        assert event == {"kind": "message", "conversation_id": conversation_id}
        await sending
    assert "is anyone there?" not in json.dumps(event)  # ids only, never message text


async def test_a_fresh_database_without_tracker_events_shows_nothing_known(console: Console) -> None:
    browser = await console.signed_in("lee@example.org", "Lee")
    conversation_id = await console.waiting("new-person")
    page = (await browser.http.get(f"/console/conversations/{conversation_id}")).text
    facts = page.split("What the bot knows", 1)[1].split("</section>", 1)[0]
    assert "Nothing yet." in facts
