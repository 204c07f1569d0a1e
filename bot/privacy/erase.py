"""Deleting stored conversations, counting the rows: shared by delete-my-data (`bot/privacy/forget.py`) and
transcript retention (`bot/privacy/retention.py`).

A conversation goes with its messages, handoffs, satisfaction answers and Rasa tracker events; audit
entries that name it are kept with the link removed (they record what a coordinator did, nothing
about the person).
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import outbox, tracker_table
from bot.store.models import AuditEvent, Conversation, Handoff, Message, SatisfactionAnswer


async def rowcount(session: AsyncSession, statement: Any) -> int:
    """Run a bulk DELETE/UPDATE and return how many rows it touched."""
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


async def delete_conversations(session: AsyncSession, ids: Sequence[str]) -> Dict[str, int]:
    """Delete these conversations and what hangs on them; counts by kind (nothing when `ids` is empty)."""
    if not ids:
        return {}
    return {
        "outbox_entries": await outbox.delete_for(session, ids),
        "messages": await rowcount(session, delete(Message).where(Message.conversation_id.in_(ids))),
        "satisfaction_answers": await rowcount(
            session, delete(SatisfactionAnswer).where(SatisfactionAnswer.conversation_id.in_(ids))
        ),
        "handoffs": await rowcount(session, delete(Handoff).where(Handoff.conversation_id.in_(ids))),
        "audit_entries_unlinked": await rowcount(
            session, update(AuditEvent).where(AuditEvent.conversation_id.in_(ids)).values(conversation_id=None)
        ),
        "conversations": await rowcount(session, delete(Conversation).where(Conversation.id.in_(ids))),
        "tracker_events": await tracker_table.delete_conversations(session, ids),
    }
