"""The audit log: who viewed, replied to, or changed a conversation or an account, and when."""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AuditEvent

VIEWED = "viewed"
REPLIED = "replied"
NOTED = "noted"
TOOK = "took"
HANDED_BACK = "handed_back"
CLOSED = "closed"
SIGNED_IN = "signed_in"
SIGNED_OUT = "signed_out"
SIGN_IN_FAILED = "sign_in_failed"
ACCOUNT_CREATED = "account_created"
ACCOUNT_DISABLED = "account_disabled"
FORGOTTEN = "forgotten"
"""A person deleted their data (`bot.privacy.forget`); the detail holds counts only."""
PURGED = "purged"
"""Old transcripts were deleted (`bot.privacy.retention`); the detail holds the cut-off and counts."""
MISSED_VIEWED = "missed_viewed"
"""Someone read what people wrote on the missed questions page (or one message of it)."""
FAQ_ATTACHED = "faq_attached"
"""A missed question was attached to a FAQ topic as a training example."""
FAQ_NEW_TOPIC = "faq_new_topic"
"""A missed question was marked as needing a new FAQ topic."""


async def record(
    session: AsyncSession,
    action: str,
    *,
    coordinator_id: Optional[int] = None,
    conversation_id: Optional[str] = None,
    detail: str = "",
) -> AuditEvent:
    """Add one entry (the caller commits together with the change it describes)."""
    event = AuditEvent(
        coordinator_id=coordinator_id, conversation_id=conversation_id, action=action, detail=detail[:255]
    )
    session.add(event)
    await session.flush()
    return event


async def recent(session: AsyncSession, conversation_id: Optional[str] = None, limit: int = 200) -> List[AuditEvent]:
    """The newest entries first, for one conversation or for everything."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if conversation_id is not None:
        query = query.where(AuditEvent.conversation_id == conversation_id)
    return list((await session.execute(query)).scalars())
