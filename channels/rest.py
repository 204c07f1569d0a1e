"""Rasa's REST channel contract at POST /webhooks/rest/webhook, through the router.

Like Rasa's own REST channel, the body is read as JSON whatever its Content-Type. Anything that is not
`{"sender": "...", "message": "..."}` within the limits gets a 4xx with `{"error": reason}`; the
message itself may be any string (the router stores it as `bot.store.storable` makes it).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Dict, List, Optional

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.messages import InboundMessage, Reply

CHANNEL = "rest"
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 255
MAX_MESSAGE_ID_CHARS = 255


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def render(sender: str, replies: List[Reply]) -> List[Dict[str, Any]]:
    """Replies in Rasa's REST format: recipient_id, text and (when there are any) buttons."""
    rendered = []
    for reply in replies:
        item: Dict[str, Any] = {"recipient_id": sender, "text": reply.text}
        if reply.buttons:
            item["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        rendered.append(item)
    return rendered


def is_identifier(value: str, limit: int) -> bool:
    """A non-empty id of at most `limit` characters without control characters or unpaired surrogates."""
    return (
        0 < len(value) <= limit
        and value.strip() != ""
        and not any(unicodedata.category(c) in ("Cc", "Cs") for c in value)
    )


def message_id_of(value: Any) -> Optional[str]:
    """The optional `message_id` (a string or a whole number) as text; raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("not a string or a whole number")
    text = str(value)
    if not is_identifier(text, MAX_MESSAGE_ID_CHARS):
        raise ValueError("too long or unprintable")
    return text


async def receive(request: Request) -> JSONResponse:
    """Handle `{"sender": ..., "message": ...}` (optional `message_id`, `metadata`)."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error(413, f"the request is larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested thousands deep
        return _error(400, 'the body must be JSON like {"sender": "...", "message": "..."}')
    if not isinstance(payload, dict):
        return _error(400, "the body must be a JSON object with sender and message")
    sender, text = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not is_identifier(sender, MAX_SENDER_CHARS):
        return _error(
            400,
            f"sender must be a non-empty string of at most {MAX_SENDER_CHARS} characters, "
            "without control characters",
        )
    if not isinstance(text, str):
        return _error(400, "message must be a string")
    try:
        message_id = message_id_of(payload.get("message_id"))
    except ValueError:
        return _error(
            400, f"message_id must be a string or a whole number of at most {MAX_MESSAGE_ID_CHARS} " "characters"
        )
    wait = request.app.state.rate_limit.wait(CHANNEL, sender)
    if wait is not None:
        return JSONResponse(
            {"error": f"too many messages from this sender; try again in {wait} seconds", "retry_after": wait},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    metadata = payload.get("metadata")
    inbound = InboundMessage(
        channel=CHANNEL,
        platform_user_id=sender,
        text=text,
        platform_message_id=message_id,
        metadata=metadata if isinstance(metadata, dict) else {},
    )
    result = await request.app.state.router.handle(inbound)
    return JSONResponse(render(sender, list(result.replies)))


def routes(settings: Settings) -> List[BaseRoute]:
    """The REST endpoint is always on."""
    return [Route("/webhooks/rest/webhook", receive, methods=["POST"])]
