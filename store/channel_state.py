"""Channel bookkeeping: which inbound messages were handled, failed deliveries, last contact.

Synchronous on purpose (SQLAlchemy 1.4 without an async driver); async callers run these in a
worker thread (`asyncio.to_thread`) so the event loop never blocks on the database.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.models import ChannelContact, DeliveryFailure, ProcessedMessage, utcnow

MAX_MESSAGE_ID = 255  # processed_messages.message_id


def storable_message_id(message_id: str) -> str:
    """The platform's id as it is, or a digest of it when the database could not hold it
    (a NUL, which PostgreSQL refuses; unencodable text; too long). The platforms are trusted
    (the request is signed), so such a message is still handled, and still only once."""
    try:
        message_id.encode("utf-8")
        fits = "\x00" not in message_id and len(message_id) <= MAX_MESSAGE_ID
    except UnicodeEncodeError:
        fits = False
    if fits:
        return message_id
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest}"


class ChannelState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim_message(self, channel: str, message_id: str) -> bool:
        """Records `message_id` as handled; False if it was already (a re-delivery)."""
        try:
            with self.db.session() as session:
                session.add(ProcessedMessage(channel=channel,
                                             message_id=storable_message_id(message_id)))
        except IntegrityError:
            return False
        return True

    def forget_message(self, channel: str, message_id: str) -> None:
        """Undoes a claim whose processing failed, so the platform's retry is handled."""
        with self.db.session() as session:
            session.execute(delete(ProcessedMessage).where(
                ProcessedMessage.channel == channel,
                ProcessedMessage.message_id == storable_message_id(message_id)))

    def record_delivery_failure(self, conversation_id: str, channel: str, error: str) -> None:
        with self.db.session() as session:
            session.add(DeliveryFailure(conversation_id=conversation_id, channel=channel,
                                        error=error[:500]))

    def delivery_failures(self, conversation_id: Optional[str] = None,
                          unresolved_only: bool = True) -> List[DeliveryFailure]:
        query = select(DeliveryFailure).order_by(DeliveryFailure.created_at.desc())
        if conversation_id is not None:
            query = query.where(DeliveryFailure.conversation_id == conversation_id)
        if unresolved_only:
            query = query.where(DeliveryFailure.resolved.is_(False))
        with self.db.session() as session:
            return list(session.execute(query).scalars())

    def touch_contact(self, conversation_id: str, channel: str,
                      when: Optional[datetime] = None) -> None:
        """Notes that the visitor just wrote (opens WhatsApp's customer-service window)."""
        when = when or utcnow()
        with self.db.session() as session:
            contact = session.get(ChannelContact, conversation_id)
            if contact is None:
                session.add(ChannelContact(conversation_id=conversation_id, channel=channel,
                                           last_inbound_at=when))
            else:
                contact.channel = channel
                contact.last_inbound_at = when

    def set_last_buttons(self, conversation_id: str, buttons: List[Any]) -> bool:
        """Keeps the options just offered, so a typed "2" maps back to its payload.

        False (nothing kept) when the visitor never wrote on a channel: no contact row exists
        and inventing its `last_inbound_at` would misstate WhatsApp's 24-hour window.
        """
        with self.db.session() as session:
            contact = session.get(ChannelContact, conversation_id)
            if contact is None:
                return False
            contact.last_buttons = list(buttons)
            return True

    def take_last_buttons(self, conversation_id: str) -> Optional[List[Any]]:
        """The options last offered, cleared in the same transaction: an offer is answered by
        the visitor's next message, whatever it says, so a later "2" is just text."""
        with self.db.session() as session:
            contact = session.get(ChannelContact, conversation_id)
            if contact is None or contact.last_buttons is None:
                return None
            offered = contact.last_buttons
            contact.last_buttons = None
            return list(offered) if isinstance(offered, list) else None

    def last_inbound(self, conversation_id: str) -> Optional[ChannelContact]:
        with self.db.session() as session:
            return session.get(ChannelContact, conversation_id)

    def purge_processed(self, older_than: timedelta) -> int:
        """Dedupe records only matter while a platform may retry; drop old ones."""
        cutoff = utcnow() - older_than
        with self.db.session() as session:
            result = session.execute(
                delete(ProcessedMessage).where(ProcessedMessage.created_at < cutoff))
            return int(result.rowcount or 0)
