"""The whole handoff in headless Chromium: a person on the web chat asks for a human, a coordinator signs in to
the console, takes the conversation and replies, the person's page shows it, the coordinator hands back, the
person answers the optional "did it help?" question with its button, and the bot answers again."""

from __future__ import annotations

from playwright.async_api import expect

from bot.console import accounts
from bot.store.models import Role
from tests.channels.webchat.test_webchat import open_page, send

PASSWORD = "a long password for the test"
ALWAYS_OPEN = {"HANDOFF_OFFICE_HOURS": "always", "HANDOFF_TIMEZONE": "UTC"}


async def test_a_person_gets_a_coordinator_and_then_the_bot_again(gateway, browser, sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        await accounts.create(session, "sam@example.org", "Sam", PASSWORD, Role.COORDINATOR)
        await session.commit()

    async with gateway(**ALWAYS_OPEN) as base_url:
        person, person_errors = await open_page(browser, base_url + "/")
        await send(person, "can I talk to someone real")
        await expect(person.locator(".tb-bot").last).to_contain_text("1st in line")

        console, console_errors = await open_page(browser, base_url + "/console")
        await console.get_by_label("Email").fill("sam@example.org")
        await console.get_by_label("Password").fill(PASSWORD)
        await console.get_by_role("button", name="Sign in").click()
        waiting = console.locator("section", has=console.get_by_role("heading", name="Waiting for a coordinator"))
        await expect(waiting).to_contain_text("webchat")
        await waiting.get_by_role("link", name="Open").first.click()
        await expect(console.locator("main")).to_contain_text("can I talk to someone real")
        await console.get_by_role("button", name="Take", exact=True).click()
        await expect(person.locator(".tb-bot").last).to_contain_text("Sam from the trials team has joined")

        await console.get_by_label("Reply", exact=False).first.fill("Hi, I'm Sam. How can I help?")
        await console.get_by_role("button", name="Send reply").click()
        coordinator_says = person.locator(".tb-coordinator").last
        await expect(coordinator_says).to_contain_text("Hi, I'm Sam. How can I help?")
        await expect(coordinator_says).to_contain_text("Trial coordinator (a person)")

        await send(person, "are there trials for teens?")
        await expect(console.locator("main")).to_contain_text("are there trials for teens?")  # live, no reload
        bot_messages = await person.locator(".tb-bot").count()

        await console.get_by_role("button", name="Hand back to the bot").click()
        await expect(person.locator(".tb-bot")).to_have_count(bot_messages + 2)
        await expect(person.locator(".tb-bot").nth(bot_messages)).to_contain_text("I'm back")
        await expect(person.locator(".tb-bot").last).to_contain_text("did talking with our team help?")
        await person.get_by_role("button", name="👍 Yes, it helped").click()
        await expect(person.locator(".tb-bot").last).to_contain_text("Thank you for telling us.")
        await expect(person.get_by_role("button", name="👎 Not really")).to_have_count(0)
        await send(person, "are you a bot?")
        await expect(person.locator(".tb-bot").last).to_contain_text("not a person")

        assert person_errors == [] and console_errors == [], "no script errors or CSP violations on either page"
        await person.context.close()
        await console.context.close()
