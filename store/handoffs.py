"""Opening handoffs to the front desk (the action server's side of the handoff table)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from sqlalchemy import select

from store.db import Database
from store.models import Handoff, HandoffStatus, utcnow

URGENCY_ORDER = {"emergency": 0, "urgent": 1, "routine": 2, "self_care": 3}


def _rank(urgency: Optional[str]) -> int:
    return URGENCY_ORDER.get(urgency or "", len(URGENCY_ORDER))


class HandoffStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def open(self, conversation_id: str, channel: str, reason: str, urgency: Optional[str],
             summary: Dict[str, Any]) -> Handoff:
        """Opens a handoff, or refreshes the conversation's open one (never two at once).

        A refresh keeps the more urgent of the two urgencies and the newest summary, so a
        later emergency upgrades an earlier "asked for a person".
        """
        with self.db.session() as session:
            current = session.execute(
                select(Handoff).where(Handoff.conversation_id == conversation_id,
                                      Handoff.status == HandoffStatus.open)
                .with_for_update()
            ).scalars().first()
            if current is None:
                current = Handoff(conversation_id=conversation_id, channel=channel,
                                  reason=reason, urgency=urgency, summary=summary)
                session.add(current)
            else:
                if _rank(urgency) < _rank(current.urgency):
                    current.urgency = urgency
                    current.reason = reason
                current.summary = summary
                current.updated_at = utcnow()
            session.flush()
            return current

    def open_for(self, conversation_id: str) -> Optional[Handoff]:
        with self.db.session() as session:
            return session.execute(
                select(Handoff).where(Handoff.conversation_id == conversation_id,
                                      Handoff.status == HandoffStatus.open)
            ).scalars().first()
