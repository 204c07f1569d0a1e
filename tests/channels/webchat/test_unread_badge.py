"""In headless Chromium: a message that came while the person's chat was closed (a trial alert, a coordinator's
words) shows as a count on the launcher button when they come back, and is in the chat when they open it."""

from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy import select

from bot.store.models import ChannelIdentity, Conversation, DeliveryState, Direction, Message, MessageKind, OutboxEntry
from tests.channels.webchat.test_webchat import open_page, send

ALERT = "New trial that may fit, for breast cancer near Nashville, TN: NCT09990001"


async def test_the_launcher_counts_what_waits_and_the_chat_shows_it(gateway, browser, sessions) -> None:  # type: ignore[no-untyped-def]
    async with gateway() as base_url:
        page, errors = await open_page(browser, base_url + "/")
        await send(page, "hi")
        await expect(page.locator(".tb-bot").nth(1)).to_contain_text("automated assistant")
        session_id = await page.evaluate("localStorage.getItem('trialbot.session')")
        await page.get_by_role("button", name="Close chat").click()
        await page.close()

        async with sessions() as db:
            conversation = (
                await db.execute(
                    select(Conversation)
                    .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
                    .where(ChannelIdentity.platform_user_id == session_id)
                )
            ).scalar_one()
            alert = Message(
                conversation_id=conversation.id,
                channel="webchat",
                direction=Direction.OUTBOUND.value,
                author="bot",
                kind=MessageKind.TEXT.value,
                text=ALERT,
            )
            db.add(alert)
            await db.flush()
            db.add(OutboxEntry(message_id=alert.id, conversation_id=conversation.id, state=DeliveryState.WAITING.value))
            await db.commit()

        again = await page.context.new_page()
        again.on("pageerror", lambda e: errors.append(str(e)))
        await again.goto(base_url + "/")
        badge = again.locator(".tb-badge")
        await expect(badge).to_have_text("1")
        await expect(badge).to_have_attribute("aria-label", "1 new message")
        await again.locator(".tb-launcher").click()
        await expect(again.locator(".tb-bot").last).to_contain_text("NCT09990001")
        await expect(badge).to_be_hidden()
        await again.close()

        third = await page.context.new_page()
        await third.goto(base_url + "/")
        await expect(third.locator(".tb-bot").last).to_contain_text("NCT09990001")
        assert errors == [], "no script errors or CSP violations"
        await third.context.close()
