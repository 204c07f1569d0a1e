"""Rasa's REST channel contract at POST /webhooks/rest/webhook, through the router."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.messages import InboundMessage, Reply

CHANNEL = "rest"
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 255


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


async def receive(request: Request) -> JSONResponse:
    """Handle `{"sender": ..., "message": ...}` (optional `message_id`, `metadata`)."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error(413, f"the request is larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the body must be JSON like {\"sender\": \"...\", \"message\": \"...\"}")
    if not isinstance(payload, dict):
        return _error(400, "the body must be a JSON object with sender and message")
    sender, text = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return _error(400, f"sender must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    if not isinstance(text, str):
        return _error(400, "message must be a string")
    wait = request.app.state.rate_limit.wait(CHANNEL, sender)
    if wait is not None:
        return JSONResponse(
            {"error": f"too many messages from this sender; try again in {wait} seconds", "retry_after": wait},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    message_id = payload.get("message_id")
    metadata = payload.get("metadata")
    inbound = InboundMessage(
        channel=CHANNEL,
        platform_user_id=sender,
        text=text,
        platform_message_id=str(message_id) if message_id not in (None, "") else None,
        metadata=metadata if isinstance(metadata, dict) else {},
    )
    result = await request.app.state.router.handle(inbound)
    return JSONResponse(render(sender, list(result.replies)))


def routes(settings: Settings) -> List[BaseRoute]:
    """The REST endpoint is always on."""
    return [Route("/webhooks/rest/webhook", receive, methods=["POST"])]
