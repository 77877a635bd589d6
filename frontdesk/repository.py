"""Repositories over the store: staff, sessions, login attempts, handoffs, bookings, audit log.

Synchronous (SQLAlchemy 1.4 without an async driver), like `store.channel_state`: async callers
run them in a worker thread (`asyncio.to_thread`). They return frozen records, never ORM objects,
so nothing lazy-loads after its session closed. Written for the console first; the handoff and
booking writers (`HandoffRepository.open`, `BookingRepository.request`) are what the action
server needs too.

Records holding personal health information keep it out of their `repr`, so a stray log line or
assertion message does not print it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from frontdesk.security import Attempt
from store.db import Database
from store.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    Handoff,
    HandoffStatus,
    LoginAttempt,
    Staff,
    StaffSession,
    utcnow,
)

# A session's expiry moves forward on activity, but at most once a minute (fewer writes).
_TOUCH_GRANULARITY = timedelta(minutes=1)
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


class DuplicateUsername(ValueError):
    """A staff account with this username already exists."""


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRecord:
    id: int
    username: str
    display_name: str
    active: bool
    password_hash: str = field(repr=False)


@dataclass(frozen=True)
class SessionRecord:
    staff_id: int
    username: str
    display_name: str
    csrf_token: str = field(repr=False)
    created_at: datetime = field(compare=False)
    expires_at: datetime = field(compare=False)


@dataclass(frozen=True)
class HandoffRecord:
    id: str
    conversation_id: str = field(repr=False)
    channel: str
    reason: str
    urgency: Optional[str]
    summary: Mapping[str, Any] = field(repr=False)
    status: str
    created_at: datetime
    updated_at: datetime
    closed_at: Optional[datetime] = None
    closed_by: Optional[str] = None

    @property
    def is_open(self) -> bool:
        return self.status == HandoffStatus.open.value


@dataclass(frozen=True)
class BookingRecord:
    id: str
    reference: str
    conversation_id: str = field(repr=False)
    channel: str
    name: str = field(repr=False)
    phone: str = field(repr=False)
    preferred_start: datetime = field(repr=False)
    preferred_text: str = field(repr=False)
    reason: str = field(repr=False)
    urgency: Optional[str]
    status: str
    decided_by: Optional[str]
    decided_at: Optional[datetime]
    created_at: datetime

    @property
    def is_requested(self) -> bool:
        return self.status == BookingStatus.requested.value


@dataclass(frozen=True)
class AuditRecord:
    id: int
    staff_username: Optional[str]
    action: str
    target_type: Optional[str]
    target_id: Optional[str]
    detail: Mapping[str, Any]
    created_at: datetime


def _status(value: Any) -> str:
    return value.value if hasattr(value, "value") else str(value)


def _staff(row: Staff) -> StaffRecord:
    return StaffRecord(id=row.id, username=row.username, display_name=row.display_name,
                       active=bool(row.active), password_hash=row.password_hash)


def _handoff(row: Handoff) -> HandoffRecord:
    summary = row.summary if isinstance(row.summary, dict) else {}
    return HandoffRecord(
        id=row.id, conversation_id=row.conversation_id, channel=row.channel, reason=row.reason,
        urgency=row.urgency, summary=summary, status=_status(row.status),
        created_at=row.created_at, updated_at=row.updated_at, closed_at=row.closed_at,
        closed_by=row.closed_by)


def _booking(row: Booking) -> BookingRecord:
    return BookingRecord(
        id=row.id, reference=row.reference, conversation_id=row.conversation_id,
        channel=row.channel, name=row.name, phone=row.phone, preferred_start=row.preferred_start,
        preferred_text=row.preferred_text, reason=row.reason, urgency=row.urgency,
        status=_status(row.status), decided_by=row.decided_by, decided_at=row.decided_at,
        created_at=row.created_at)


def _audit(row: AuditEntry) -> AuditRecord:
    detail = row.detail if isinstance(row.detail, dict) else {}
    return AuditRecord(id=row.id, staff_username=row.staff_username, action=row.action,
                       target_type=row.target_type, target_id=row.target_id, detail=detail,
                       created_at=row.created_at)


# --- staff and sessions ------------------------------------------------------------------------


class StaffRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, username: str, display_name: str, password_hash: str) -> StaffRecord:
        try:
            with self.db.session() as session:
                row = Staff(username=username, display_name=display_name,
                            password_hash=password_hash, active=True)
                session.add(row)
                session.flush()
                return _staff(row)
        except IntegrityError as exc:
            raise DuplicateUsername(username) from exc

    def by_username(self, username: str) -> Optional[StaffRecord]:
        with self.db.session() as session:
            row = session.execute(select(Staff).where(Staff.username == username)).scalar()
            return _staff(row) if row is not None else None

    def set_password_hash(self, staff_id: int, password_hash: str) -> None:
        with self.db.session() as session:
            session.execute(update(Staff).where(Staff.id == staff_id)
                            .values(password_hash=password_hash))

    def set_active(self, username: str, active: bool) -> bool:
        """Enables or disables an account; disabling ends its sessions. False if unknown."""
        with self.db.session() as session:
            row = session.execute(select(Staff).where(Staff.username == username)).scalar()
            if row is None:
                return False
            row.active = active
            if not active:
                session.execute(delete(StaffSession).where(StaffSession.staff_id == row.id))
            return True


class SessionRepository:
    """Server-side sessions: only a hash of the cookie's token is stored."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, staff_id: int, token_hash: str, csrf_token: str, now: datetime,
               idle: timedelta) -> None:
        with self.db.session() as session:
            session.add(StaffSession(token_hash=token_hash, staff_id=staff_id,
                                     csrf_token=csrf_token, created_at=now,
                                     expires_at=now + idle))

    def lookup(self, token_hash: str, now: datetime, idle: timedelta, max_age: timedelta,
               touch: bool = True) -> Optional[SessionRecord]:
        """The live session for `token_hash`, or None (an expired one is deleted).

        With `touch`, the idle expiry moves to `now + idle` (never past `created + max_age`).
        """
        with self.db.session() as session:
            found = session.execute(
                select(StaffSession, Staff).join(Staff, Staff.id == StaffSession.staff_id)
                .where(StaffSession.token_hash == token_hash)).first()
            if found is None:
                return None
            row, staff = found
            hard_limit = row.created_at + max_age
            if row.expires_at <= now or hard_limit <= now or not staff.active:
                session.delete(row)
                return None
            if touch:
                wanted = min(now + idle, hard_limit)
                if wanted - row.expires_at >= _TOUCH_GRANULARITY:
                    row.expires_at = wanted
            return SessionRecord(staff_id=staff.id, username=staff.username,
                                 display_name=staff.display_name, csrf_token=row.csrf_token,
                                 created_at=row.created_at, expires_at=row.expires_at)

    def delete(self, token_hash: str) -> None:
        with self.db.session() as session:
            session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))

    def purge_expired(self, now: datetime, max_age: timedelta) -> int:
        with self.db.session() as session:
            result = session.execute(delete(StaffSession).where(
                (StaffSession.expires_at <= now) | (StaffSession.created_at <= now - max_age)))
            return int(result.rowcount or 0)


class LoginAttemptRepository:
    """Login attempts by hashed key, shared by every console process through the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, keys: Sequence[str], succeeded: bool, now: datetime) -> None:
        with self.db.session() as session:
            for key in keys:
                session.add(LoginAttempt(key=key, succeeded=succeeded, created_at=now))

    def recent(self, keys: Sequence[str], since: datetime) -> List[Attempt]:
        with self.db.session() as session:
            rows = session.execute(select(LoginAttempt).where(
                LoginAttempt.key.in_(list(keys)), LoginAttempt.created_at > since)).scalars()
            return [Attempt(key=r.key, succeeded=bool(r.succeeded), at=r.created_at)
                    for r in rows]

    def purge(self, older_than: datetime) -> int:
        with self.db.session() as session:
            result = session.execute(
                delete(LoginAttempt).where(LoginAttempt.created_at < older_than))
            return int(result.rowcount or 0)


# --- handoffs and bookings ---------------------------------------------------------------------


class HandoffRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def open(self, conversation_id: str, channel: str, reason: str, urgency: Optional[str],
             summary: Mapping[str, Any], now: Optional[datetime] = None) -> HandoffRecord:
        """Records a conversation handed to staff (what the action server does on handoff)."""
        now = now or utcnow()
        with self.db.session() as session:
            row = Handoff(conversation_id=conversation_id, channel=channel, reason=reason,
                          urgency=urgency, summary=dict(summary), status=HandoffStatus.open,
                          created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            return _handoff(row)

    def get(self, handoff_id: str) -> Optional[HandoffRecord]:
        with self.db.session() as session:
            row = session.get(Handoff, handoff_id)
            return _handoff(row) if row is not None else None

    def list_open(self) -> List[HandoffRecord]:
        with self.db.session() as session:
            rows = session.execute(select(Handoff).where(
                Handoff.status == HandoffStatus.open)).scalars()
            return [_handoff(r) for r in rows]

    def for_conversation(self, conversation_id: str) -> List[HandoffRecord]:
        with self.db.session() as session:
            rows = session.execute(select(Handoff).where(
                Handoff.conversation_id == conversation_id)
                .order_by(Handoff.created_at.desc())).scalars()
            return [_handoff(r) for r in rows]

    def touch(self, handoff_id: str, now: datetime) -> None:
        with self.db.session() as session:
            session.execute(update(Handoff).where(Handoff.id == handoff_id)
                            .values(updated_at=now))

    def close(self, handoff_id: str, staff_username: str, now: datetime) -> bool:
        """Closes an open handoff; False if it was not open (someone else closed it)."""
        with self.db.session() as session:
            result = session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.open)
                .values(status=HandoffStatus.closed, closed_at=now, closed_by=staff_username,
                        updated_at=now))
            return bool(result.rowcount)

    def reopen(self, handoff_id: str, staff_username: str, now: datetime) -> bool:
        """Undoes `close` by the same staff member (the visitor could not be told)."""
        with self.db.session() as session:
            result = session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.closed,
                       Handoff.closed_by == staff_username)
                .values(status=HandoffStatus.open, closed_at=None, closed_by=None,
                        updated_at=now))
            return bool(result.rowcount)


def new_booking_reference() -> str:
    return "BK-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


class BookingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def request(self, *, idempotency_key: str, conversation_id: str, channel: str, name: str,
                phone: str, preferred_start: datetime, preferred_text: str, reason: str,
                urgency: Optional[str], now: Optional[datetime] = None) -> BookingRecord:
        """Records a booking request; a repeated key returns the booking already recorded."""
        existing = self.by_idempotency_key(idempotency_key)
        if existing is not None:
            return existing
        for _ in range(5):  # a reference collision is rare; retry with a fresh one
            try:
                with self.db.session() as session:
                    row = Booking(
                        reference=new_booking_reference(), idempotency_key=idempotency_key,
                        conversation_id=conversation_id, channel=channel, name=name,
                        phone=phone, preferred_start=preferred_start,
                        preferred_text=preferred_text, reason=reason, urgency=urgency,
                        status=BookingStatus.requested, created_at=now or utcnow())
                    session.add(row)
                    session.flush()
                    return _booking(row)
            except IntegrityError:
                existing = self.by_idempotency_key(idempotency_key)
                if existing is not None:
                    return existing
        raise RuntimeError("could not allocate a unique booking reference")

    def by_idempotency_key(self, key: str) -> Optional[BookingRecord]:
        with self.db.session() as session:
            row = session.execute(
                select(Booking).where(Booking.idempotency_key == key)).scalar()
            return _booking(row) if row is not None else None

    def get(self, booking_id: str) -> Optional[BookingRecord]:
        with self.db.session() as session:
            row = session.get(Booking, booking_id)
            return _booking(row) if row is not None else None

    def list_requested(self) -> List[BookingRecord]:
        with self.db.session() as session:
            rows = session.execute(select(Booking).where(
                Booking.status == BookingStatus.requested)).scalars()
            return [_booking(r) for r in rows]

    def for_conversation(self, conversation_id: str) -> List[BookingRecord]:
        with self.db.session() as session:
            rows = session.execute(select(Booking).where(
                Booking.conversation_id == conversation_id)
                .order_by(Booking.created_at.desc())).scalars()
            return [_booking(r) for r in rows]

    def decide(self, booking_id: str, status: BookingStatus, staff_username: str,
               now: datetime) -> bool:
        """Confirms or declines a requested booking; False if it was already decided."""
        if status is BookingStatus.requested:
            raise ValueError("a decision is confirmed or declined")
        with self.db.session() as session:
            result = session.execute(
                update(Booking)
                .where(Booking.id == booking_id, Booking.status == BookingStatus.requested)
                .values(status=status, decided_by=staff_username, decided_at=now))
            return bool(result.rowcount)

    def undo_decision(self, booking_id: str, status: BookingStatus, staff_username: str) -> bool:
        """Back to `requested` (the visitor could not be told), if still as this staff left it."""
        with self.db.session() as session:
            result = session.execute(
                update(Booking)
                .where(Booking.id == booking_id, Booking.status == status,
                       Booking.decided_by == staff_username)
                .values(status=BookingStatus.requested, decided_by=None, decided_at=None))
            return bool(result.rowcount)


# --- audit log ---------------------------------------------------------------------------------


class AuditLog:
    """Who did what, when. Details hold ids and outcomes, never what a visitor wrote."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, action: str, staff_username: Optional[str] = None,
               target_type: Optional[str] = None, target_id: Optional[str] = None,
               detail: Optional[Dict[str, Any]] = None, now: Optional[datetime] = None) -> None:
        with self.db.session() as session:
            session.add(AuditEntry(staff_username=staff_username, action=action,
                                   target_type=target_type, target_id=target_id,
                                   detail=dict(detail or {}), created_at=now or utcnow()))

    def page(self, limit: int = 100, before_id: Optional[int] = None) -> List[AuditRecord]:
        """Newest first; `before_id` continues from the last entry of the previous page."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        with self.db.session() as session:
            return [_audit(r) for r in session.execute(query).scalars()]
