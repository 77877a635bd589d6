"""Tables. Columns holding personal health information are marked in their comments."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

Base: Any = declarative_base()  # SQLAlchemy 1.4: typed as Any for mypy


class UTCDateTime(TypeDecorator):
    """Always timezone-aware UTC in Python, whatever the database keeps (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return uuid.uuid4().hex


class BookingStatus(str, enum.Enum):
    requested = "requested"
    confirmed = "confirmed"
    declined = "declined"


class HandoffStatus(str, enum.Enum):
    open = "open"
    closed = "closed"


class Booking(Base):
    __tablename__ = "bookings"

    id = Column(String(32), primary_key=True, default=new_id)
    reference = Column(String(16), nullable=False, unique=True)
    # One booking per confirmation: a repeated confirmation carries the same key.
    idempotency_key = Column(String(128), nullable=False, unique=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    name = Column(String(200), nullable=False)  # PHI
    phone = Column(String(32), nullable=False)  # PHI, E.164
    preferred_start = Column(UTCDateTime(), nullable=False)
    preferred_text = Column(String(200), nullable=False)  # PHI: the visitor's own words
    reason = Column(Text, nullable=False)  # PHI: triage summary
    urgency = Column(String(16), nullable=True)
    status = Column(Enum(BookingStatus, native_enum=False, length=16), nullable=False,
                    default=BookingStatus.requested)
    decided_by = Column(String(64), nullable=True)
    decided_at = Column(UTCDateTime(), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class Handoff(Base):
    __tablename__ = "handoffs"

    id = Column(String(32), primary_key=True, default=new_id)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    reason = Column(String(32), nullable=False)
    urgency = Column(String(16), nullable=True)
    summary = Column(JSON, nullable=False, default=dict)  # PHI: triage summary
    status = Column(Enum(HandoffStatus, native_enum=False, length=16), nullable=False,
                    default=HandoffStatus.open)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    closed_at = Column(UTCDateTime(), nullable=True)
    closed_by = Column(String(64), nullable=True)


class Staff(Base):
    __tablename__ = "staff"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime(), nullable=False)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id = Column(Integer, primary_key=True, autoincrement=True)
    key = Column(String(128), nullable=False, index=True)  # hashed username + client address
    succeeded = Column(Boolean, nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    staff_username = Column(String(64), nullable=True)
    action = Column(String(64), nullable=False)
    target_type = Column(String(32), nullable=True)
    target_id = Column(String(255), nullable=True)
    detail = Column(JSON, nullable=False, default=dict)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class ProcessedMessage(Base):
    """Inbound channel messages already handled, so a re-delivered webhook is handled once."""

    __tablename__ = "processed_messages"
    __table_args__ = (UniqueConstraint("channel", "message_id", name="uq_processed_message"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    channel = Column(String(32), nullable=False)
    message_id = Column(String(255), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class DeliveryFailure(Base):
    """An outgoing message a channel could not deliver after its retries: shown to staff."""

    __tablename__ = "delivery_failures"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    error = Column(String(500), nullable=False)
    resolved = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class ChannelContact(Base):
    """When a conversation's visitor last wrote on a channel (WhatsApp's 24-hour window)."""

    __tablename__ = "channel_contacts"

    conversation_id = Column(String(255), primary_key=True)
    channel = Column(String(32), nullable=False)
    last_inbound_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    # The options last offered as numbered text (Twilio), so "2" maps back to its payload.
    last_buttons = Column(JSON, nullable=True)


class ErasureRequest(Base):
    """A request to erase one conversation's data everywhere (visitor or staff). Carried out
    once the conversation has been quiet for a while, so a turn still in flight cannot write
    the conversation back after it was erased."""

    __tablename__ = "erasure_requests"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    requested_by = Column(String(64), nullable=False)  # "visitor" or a staff username
    requested_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    done_at = Column(UTCDateTime(), nullable=True)
