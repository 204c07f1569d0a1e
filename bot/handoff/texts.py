"""What the person is told while a person from the team is being brought in, is here, or leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from bot.handoff.office_hours import OfficeHours
from bot.messages import Button, Reply

CIS_LINE = "NCI's Cancer Information Service answers at 1-800-422-6237 (1-800-4-CANCER)"
KEEP_WAITING = "/keep_waiting"
BACK_TO_BOT = "/back_to_bot"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st..."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def queued(position: Optional[int], hours: OfficeHours, now: datetime) -> Reply:
    """Told when the conversation joins the queue."""
    place = f" You're {ordinal(position)} in line." if position else ""
    if hours.is_open(now):
        return Reply(
            text=f"I've asked a trial coordinator (a person) to join this chat.{place} "
            "You can keep typing; they'll see everything."
        )
    return Reply(
        text=f"Our trial coordinators are away right now. Someone will answer from {hours.describe_opening(now)}, "
        f"and your request stays in the queue.{place} If you need help sooner, {CIS_LINE}."
    )


def urgent_queued() -> Reply:
    """Told when the request is urgent."""
    return Reply(text="I'm also asking a person from our team to join this chat right away.")


def still_waiting(position: Optional[int]) -> Reply:
    """Told when the person writes again while waiting (not after every message)."""
    place = f" You're {ordinal(position)} in line." if position else ""
    return Reply(text=f"Thanks — a coordinator will see your message.{place}")


def already_waiting(position: Optional[int]) -> Reply:
    """Told when the person asks for a person again while already waiting."""
    place = f" You're {ordinal(position)} in line." if position else ""
    return Reply(text=f"You're already in the queue for a coordinator.{place}")


def wait_offer(minutes: int) -> Reply:
    """Sent when nobody has taken the conversation within the configured time."""
    return Reply(
        text=f"Sorry for the wait — no coordinator has been free for {minutes} minutes. "
        f"Would you like to keep waiting, or go back to chatting with me (the bot)? {CIS_LINE}.",
        buttons=(Button("Keep waiting", KEEP_WAITING), Button("Back to the bot", BACK_TO_BOT)),
    )


def kept_waiting(position: Optional[int]) -> Reply:
    """Told when the person chooses to keep waiting."""
    place = f" You're {ordinal(position)} in line." if position else ""
    return Reply(text=f"Okay, you keep your place.{place}")


def joined(name: str) -> Reply:
    """Sent when a coordinator takes the conversation."""
    return Reply(text=f"{name} from the trials team has joined the chat. (This is a person, not the bot.)")


def bot_is_back() -> Reply:
    """Sent when the conversation goes back to the bot."""
    return Reply(text="I'm back! I'm trialbot, the automated assistant. Anything else I can help with?")


def closed() -> Reply:
    """Sent when a coordinator closes the conversation."""
    return Reply(text="This chat is now closed. Thank you for writing — you can message again any time.")
