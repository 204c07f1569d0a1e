"""Translation between Telegram updates and trialbot's messages: parsing, inline keyboards, long texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.messages import Button, InboundKind, InboundMessage, Reply

CHANNEL = "telegram"
MAX_TEXT_UTF16 = 4096
"""Telegram's limit for one message's text, counted in UTF-16 code units."""
MAX_CALLBACK_DATA_BYTES = 64
MAX_ID = 2**63
"""Telegram's ids (users, chats, updates) are 64-bit whole numbers."""
MAX_QUERY_ID_CHARS = 200
"""Telegram's callback query ids are short strings (about 20 digits); anything longer is refused."""
BUTTON_REFERENCE = "#button:"
"""callback_data for a button whose payload does not fit: the person's message is the button's title."""
COMMANDS = {"start": "/greet", "help": "/help", "forget": "/forget"}
"""Telegram commands and the payloads they stand for (`/forget`: delete my data, see `bot.privacy.forget`); other
commands are read as plain words."""
MEDIA_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video_note",
    "video",
    "animation",
    "audio",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "story",
)
EXPIRED_BUTTON = "That button is too old for me to read. Please type your question instead."
BUTTONS_ONLY = "Here are some options:"


@dataclass(frozen=True)
class Incoming:
    """A Telegram update trialbot acts on.

    `inbound` is None for a tap on a button that can no longer be read. `callback_query_id` is set for
    button taps (they must be answered). Content other than text (stickers, photos, ...) is an inbound
    message of kind MEDIA: the router screens it and answers it like any other.
    """

    inbound: Optional[InboundMessage]
    callback_query_id: Optional[str] = None


class MalformedUpdateError(ValueError):
    """An update whose fields do not have the types and sizes Telegram gives them (Telegram never sends one)."""


def _id(value: object) -> int:
    """A Telegram id: a whole number that fits in 64 bits."""
    if isinstance(value, bool) or not isinstance(value, int) or not -MAX_ID < value < MAX_ID:
        raise MalformedUpdateError("an id is not a 64-bit whole number")
    return value


def _text(value: object, limit: Optional[int] = None) -> Optional[str]:
    """Optional text (at most `limit` characters when given)."""
    if value is not None and (not isinstance(value, str) or (limit is not None and len(value) > limit)):
        raise MalformedUpdateError("a text field is not a string of the expected size")
    return value


def parse(update: Update, bot_id: str) -> Optional[Incoming]:
    """The update as trialbot sees it, or None when it is ignored (edits, channel posts, service messages...).

    Raises `MalformedUpdateError` when a field it reads has the wrong type or an impossible size.
    """
    _id(update.update_id)
    if update.callback_query is not None:
        return _parse_callback(update.callback_query)
    message = update.message
    if message is None or message.from_user is None:
        return None
    _id(message.from_user.id)
    _id(message.chat.id)
    for value in (message.text, message.caption, message.from_user.first_name, message.from_user.last_name):
        _text(value)
    if message.text is not None:
        text, kind = command_text(message.text), InboundKind.TEXT
    else:
        media = media_kind(message)
        if media is None:
            return None  # a service message: someone joined, a pinned message, a new chat title...
        text, kind = f"[{media}] {message.caption or ''}".strip(), InboundKind.MEDIA
    inbound = InboundMessage(
        channel=CHANNEL,
        platform_user_id=str(message.from_user.id),
        text=text,
        # The token's bot id keeps update ids unique in the database even if the bot is ever replaced.
        platform_message_id=f"{bot_id}:{update.update_id}",
        thread_key=str(message.chat.id),
        display_name=message.from_user.full_name,
        kind=kind,
    )
    return Incoming(inbound)


def _parse_callback(query: CallbackQuery) -> Incoming:
    _text(query.id, MAX_QUERY_ID_CHARS)
    _id(query.from_user.id)
    for value in (query.data, query.from_user.first_name, query.from_user.last_name):
        _text(value)
    if query.message is not None:
        _id(query.message.chat.id)
    text = _text(button_text(query))
    if text is None:
        return Incoming(None, callback_query_id=query.id)
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    inbound = InboundMessage(
        channel=CHANNEL,
        platform_user_id=str(query.from_user.id),
        text=text,
        platform_message_id=f"callback:{query.id}",
        thread_key=str(chat_id),
        display_name=query.from_user.full_name,
    )
    return Incoming(inbound, callback_query_id=query.id)


def command_text(text: str) -> str:
    """`/start`, `/help`, `/forget` (also `/help@somebot`, `/start <deep link>`) as payloads; others as words."""
    if not text.startswith("/"):
        return text
    parts = text[1:].split(maxsplit=1)
    name = parts[0].split("@", 1)[0].lower() if parts else ""
    rest = parts[1] if len(parts) > 1 else ""
    if name in COMMANDS:
        return COMMANDS[name]
    return f"{name} {rest}".strip()  # a typed "/something" never reaches the model as a raw intent


def media_kind(message: Message) -> Optional[str]:
    """What a non-text message carries ("sticker", "photo", ...), or None for a service message."""
    for kind in MEDIA_KINDS:
        if getattr(message, kind, None):
            return kind
    return "attachment" if message.effective_attachment else None


def callback_data(button: Button, index: int) -> str:
    """The button's payload when Telegram can carry it (1-64 bytes), otherwise a reference to the button."""
    size = len(button.payload.encode("utf-8"))
    if 0 < size <= MAX_CALLBACK_DATA_BYTES and not button.payload.startswith(BUTTON_REFERENCE):
        return button.payload
    return f"{BUTTON_REFERENCE}{index}"


def button_text(query: CallbackQuery) -> Optional[str]:
    """What a button tap says: the payload, or for a reference the tapped button's title (read from the
    message Telegram sends along). None when neither can be read (a message too old to be accessible)."""
    data = query.data
    if not data:
        return None
    if not data.startswith(BUTTON_REFERENCE):
        return data
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def keyboard(buttons: Sequence[Button]) -> Optional[InlineKeyboardMarkup]:
    """An inline keyboard with one button per row (titles are often long), or None without buttons."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title or b.payload, callback_data=callback_data(b, i))] for i, b in enumerate(buttons)]
    )


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji can count as two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT_UTF16) -> List[str]:
    """Pieces of at most `limit` UTF-16 units, cut at a paragraph, else a line, else a space, else anywhere."""
    pieces: List[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        window = _prefix(rest, limit)
        cut = 0
        for separator in ("\n\n", "\n", " "):
            position = window.rfind(separator)
            if position > 0 and window[:position].strip():
                cut = position
                break
        if cut == 0:
            cut = len(window)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _prefix(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` UTF-16 units (never half a character)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def render(reply: Reply) -> List[Tuple[str, Optional[InlineKeyboardMarkup]]]:
    """One reply as Telegram messages (text, keyboard): long text split, the keyboard on the last piece."""
    pieces = split_text(reply.text) or ([BUTTONS_ONLY] if reply.buttons else [])
    markup = keyboard(reply.buttons)
    return [(piece, markup if i == len(pieces) - 1 else None) for i, piece in enumerate(pieces)]
