"""What staff can do, independent of HTTP: sign in and out, read the queue and a conversation,
reply, hand back, decide bookings. Every action is written to the audit log.

Failures are domain errors (below); the web layer maps them to HTTP statuses and pages. The
database is synchronous, so its calls run in a worker thread; Rasa is reached through a
`RasaGateway`, so tests can stand one in.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from clinic.profile import ClinicProfile
from frontdesk import rasa_events
from frontdesk.config import Settings
from frontdesk.presenters import local_time
from frontdesk.queue import by_urgency_then_age, handoff_urgency
from frontdesk.rasa_client import RasaError, RasaGateway
from frontdesk.repository import (
    AuditLog,
    AuditRecord,
    BookingRecord,
    BookingRepository,
    HandoffRecord,
    HandoffRepository,
    LoginAttemptRepository,
    SessionRecord,
    SessionRepository,
    StaffRepository,
)
from frontdesk.security import (
    MAX_PASSWORD_CHARS,
    USERNAME_PATTERN,
    Passwords,
    RateLimit,
    attempt_keys,
    hash_token,
    new_secret_token,
    normalise_username,
)
from privacy import conversation_ref
from store.channel_state import ChannelState
from store.db import Database
from store.models import BookingStatus, DeliveryFailure, utcnow

logger = logging.getLogger("frontdesk.service")
R = TypeVar("R")
MAX_REPLY_CHARS = 2000
ATTEMPT_RETENTION = timedelta(days=7)


# --- domain errors -----------------------------------------------------------------------------


class ConsoleError(Exception):
    """A staff action that cannot be done; `message` is safe to show to staff."""

    message = "That could not be done."

    def __init__(self, message: Optional[str] = None) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message


class LoginFailed(ConsoleError):
    message = "The username or password is not correct."


class LoginRateLimited(ConsoleError):
    message = ("Too many failed sign-in attempts. Wait 15 minutes before trying again, or ask "
               "a colleague to check your account.")


class NotFound(ConsoleError):
    message = "There is no such conversation or booking."


class Conflict(ConsoleError):
    """The item changed meanwhile (closed or decided by someone else)."""


class InvalidInput(ConsoleError):
    pass


class DeliveryFailed(ConsoleError):
    """Rasa refused or could not be reached: nothing was sent and nothing changed."""

    def __init__(self, error: RasaError, consequence: str) -> None:
        super().__init__(error.staff_message(consequence))
        self.error = error


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    token: str = field(repr=False)
    session: SessionRecord


@dataclass(frozen=True)
class Conversation:
    """A conversation as staff see it, with the Rasa error when its transcript is unavailable."""

    conversation_id: str = field(repr=False)
    channel: str
    events: List[Any] = field(repr=False)
    transcript_error: Optional[str]
    last_inbound_at: Optional[datetime]
    delivery_failures: List[DeliveryFailure] = field(repr=False)
    handoffs: List[HandoffRecord]
    bookings: List[BookingRecord]


class Console:
    def __init__(self, settings: Settings, db: Database, rasa: RasaGateway,
                 profile: ClinicProfile, passwords: Optional[Passwords] = None) -> None:
        self.settings = settings
        self.db = db
        self.rasa = rasa
        self.profile = profile
        self.passwords = passwords or Passwords()
        self.staff = StaffRepository(db)
        self.sessions = SessionRepository(db)
        self.attempts = LoginAttemptRepository(db)
        self.handoffs = HandoffRepository(db)
        self.bookings = BookingRepository(db)
        self.audit = AuditLog(db)
        self.channel_state = ChannelState(db)
        self.rate_limit = RateLimit(window=settings.login_window,
                                    max_failures_per_user=settings.max_failures_per_user,
                                    max_failures_per_address=settings.max_failures_per_address)

    async def _db(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _audit(self, action: str, staff: Optional[str], target_type: Optional[str] = None,
                     target_id: Optional[str] = None,
                     detail: Optional[Dict[str, Any]] = None) -> None:
        await self._db(self.audit.record, action, staff, target_type, target_id, detail)

    def _ping(self) -> bool:
        with self.db.session() as session:
            session.execute(text("SELECT 1"))
        return True

    async def ping(self) -> bool:
        """Whether the database answers (readiness)."""
        try:
            return await self._db(self._ping)
        except SQLAlchemyError as exc:
            logger.error("frontdesk.health.database_unreachable error=%s", type(exc).__name__)
            return False

    # --- sign in and out -----------------------------------------------------------------------

    async def login(self, username_raw: str, password: str, address: str) -> SignedIn:
        username = normalise_username(username_raw)[:64]
        keys = attempt_keys(username, address)
        now = utcnow()
        attempts = await self._db(self.attempts.recent, keys, now - self.rate_limit.window)
        # A name no account can have (a NUL, say, which the database refuses) is not looked up.
        staff = (await self._db(self.staff.by_username, username)
                 if USERNAME_PATTERN.match(username) else None)
        known = staff.username if staff is not None else None
        if self.rate_limit.is_limited(keys, attempts, now):
            logger.warning("frontdesk.login.rate_limited known_user=%s", known is not None)
            await self._audit("login.rate_limited", known)
            raise LoginRateLimited()
        verification = await self._db(self.passwords.verify,
                                      staff.password_hash if staff is not None else None,
                                      password[:MAX_PASSWORD_CHARS + 1])
        if staff is None or not staff.active or not verification.ok:
            await self._db(self.attempts.record, keys, False, now)
            logger.info("frontdesk.login.failed known_user=%s", known is not None)
            await self._audit("login.failed", known,
                              detail={"reason": "inactive" if staff is not None and
                                      not staff.active and verification.ok else "credentials"})
            raise LoginFailed()
        if verification.needs_rehash:
            new_hash = await self._db(self.passwords.hash, password)
            await self._db(self.staff.set_password_hash, staff.id, new_hash)
        await self._db(self.attempts.record, keys[:1], True, now)  # resets the username count
        token, csrf = new_secret_token(), new_secret_token()
        await self._db(self.sessions.create, staff.id, hash_token(token), csrf, now,
                       self.settings.session_idle)
        await self._db(self.attempts.purge, now - ATTEMPT_RETENTION)
        await self._db(self.sessions.purge_expired, now, self.settings.session_max)
        await self._audit("login", staff.username)
        logger.info("frontdesk.login.succeeded staff=%s", staff.username)
        session = SessionRecord(staff_id=staff.id, username=staff.username,
                                display_name=staff.display_name, csrf_token=csrf,
                                created_at=now, expires_at=now + self.settings.session_idle)
        return SignedIn(token=token, session=session)

    async def session_for(self, token: str, touch: bool = True) -> Optional[SessionRecord]:
        if not token or len(token) > 256:
            return None
        return await self._db(self.sessions.lookup, hash_token(token), utcnow(),
                              self.settings.session_idle, self.settings.session_max, touch)

    async def forget_session(self, token: str) -> None:
        await self._db(self.sessions.delete, hash_token(token))

    async def logout(self, token: str, staff: SessionRecord) -> None:
        await self._db(self.sessions.delete, hash_token(token))
        await self._audit("logout", staff.username)
        logger.info("frontdesk.logout staff=%s", staff.username)

    # --- reading ---------------------------------------------------------------------------------

    async def queue(self) -> tuple[List[HandoffRecord], List[BookingRecord]]:
        """Open handoffs and requested bookings, each most urgent first, then oldest first."""
        handoffs = await self._db(self.handoffs.list_open)
        bookings = await self._db(self.bookings.list_requested)
        return (
            by_urgency_then_age(handoffs, lambda h: handoff_urgency(h.urgency, h.summary),
                                lambda h: h.created_at, lambda h: h.id),
            by_urgency_then_age(bookings, lambda b: b.urgency, lambda b: b.created_at,
                                lambda b: b.id),
        )

    async def handoff(self, handoff_id: str) -> HandoffRecord:
        found = await self._db(self.handoffs.get, handoff_id)
        if found is None:
            raise NotFound()
        return found

    async def booking(self, booking_id: str) -> BookingRecord:
        found = await self._db(self.bookings.get, booking_id)
        if found is None:
            raise NotFound()
        return found

    async def events(self, conversation_id: str) -> List[Any]:
        """The tracker's events; raises DeliveryFailed (a read failure) when Rasa fails."""
        try:
            tracker = await self.rasa.tracker(conversation_id)
        except RasaError as exc:
            raise DeliveryFailed(exc, "The transcript cannot be shown right now.") from None
        events = tracker.get("events")
        return list(events) if isinstance(events, list) else []

    async def conversation(self, conversation_id: str, channel: str) -> Conversation:
        try:
            events = await self.events(conversation_id)
            error = None
        except DeliveryFailed as exc:
            events, error = [], exc.message
        contact = await self._db(self.channel_state.last_inbound, conversation_id)
        failures = await self._db(self.channel_state.delivery_failures, conversation_id)
        handoffs = await self._db(self.handoffs.for_conversation, conversation_id)
        bookings = await self._db(self.bookings.for_conversation, conversation_id)
        return Conversation(
            conversation_id=conversation_id, channel=channel, events=events,
            transcript_error=error,
            last_inbound_at=contact.last_inbound_at if contact is not None else None,
            delivery_failures=failures, handoffs=handoffs, bookings=bookings)

    async def record_view(self, staff: SessionRecord, target_type: str, target_id: str) -> None:
        await self._audit("conversation.view", staff.username, target_type, target_id)

    async def audit_page(self, limit: int, before_id: Optional[int]) -> List[AuditRecord]:
        return await self._db(self.audit.page, limit, before_id)

    # --- acting ----------------------------------------------------------------------------------

    async def reply(self, staff: SessionRecord, handoff_id: str, text: str) -> None:
        """Sends `text` to the visitor as the staff member; nothing is recorded as sent unless
        Rasa accepted it."""
        text = text.strip()
        if not text:
            raise InvalidInput("Write a reply before sending.")
        if len(text) > MAX_REPLY_CHARS:
            raise InvalidInput(f"A reply can be at most {MAX_REPLY_CHARS} characters.")
        handoff = await self.handoff(handoff_id)
        if not handoff.is_open:
            raise Conflict("This conversation was already handed back to the assistant.")
        event = rasa_events.staff_reply(text, staff.display_name)
        try:
            await self.rasa.append_events(handoff.conversation_id, [event])
        except RasaError as exc:
            await self._audit("handoff.reply.failed", staff.username, "handoff", handoff.id,
                              {"error": exc.kind, "status": exc.status})
            raise DeliveryFailed(exc, "The reply was not sent.") from None
        await self._db(self.handoffs.touch, handoff.id, utcnow())
        await self._audit("handoff.reply", staff.username, "handoff", handoff.id,
                          {"chars": len(text)})
        logger.info("frontdesk.reply.sent staff=%s conversation=%s", staff.username,
                    conversation_ref(handoff.conversation_id))

    async def hand_back(self, staff: SessionRecord, handoff_id: str) -> None:
        """Closes the handoff and resumes the assistant; reopened if Rasa refused."""
        handoff = await self.handoff(handoff_id)
        now = utcnow()
        if not await self._db(self.handoffs.close, handoff.id, staff.username, now):
            raise Conflict("This conversation was already handed back to the assistant.")
        try:
            await self.rasa.append_events(handoff.conversation_id,
                                          rasa_events.hand_back(staff.display_name))
        except RasaError as exc:
            await self._db(self.handoffs.reopen, handoff.id, staff.username, utcnow())
            await self._audit("handoff.hand_back.failed", staff.username, "handoff",
                              handoff.id, {"error": exc.kind, "status": exc.status})
            raise DeliveryFailed(exc, "The conversation is still with staff.") from None
        await self._audit("handoff.hand_back", staff.username, "handoff", handoff.id)
        logger.info("frontdesk.hand_back staff=%s conversation=%s", staff.username,
                    conversation_ref(handoff.conversation_id))

    async def erase(self, staff: SessionRecord, conversation_id: str) -> None:
        """Erases one person's data everywhere (clinic records now, the conversation once
        quiet), and audits who did it."""
        from privacy.erasure import Eraser, tracker_engine_from_env

        def run() -> None:
            Eraser(self.db, tracker_engine_from_env()).request(conversation_id, staff.username)

        await self._db(run)
        await self._audit("privacy.erase", staff.username, "conversation",
                          conversation_ref(conversation_id))
        logger.info("frontdesk.erase staff=%s conversation=%s", staff.username,
                    conversation_ref(conversation_id))

    def booking_update_text(self, booking: BookingRecord, status: BookingStatus) -> str:
        when = local_time(booking.preferred_start, self.profile.tz)
        if status is BookingStatus.confirmed:
            return (f"Your appointment at {self.profile.name} on {when} is confirmed "
                    f"(reference {booking.reference}). To change it, reply here or call "
                    f"{self.profile.phone}.")
        return (f"Sorry, we can't offer the appointment you asked for on {when} "
                f"(reference {booking.reference}). Please reply here or call "
                f"{self.profile.phone} to find another time.")

    async def decide_booking(self, staff: SessionRecord, booking_id: str,
                             status: BookingStatus) -> None:
        """Confirms or declines, then tells the visitor; undone if Rasa refused."""
        if status not in (BookingStatus.confirmed, BookingStatus.declined):
            raise InvalidInput("A booking is confirmed or declined.")
        verb = "confirm" if status is BookingStatus.confirmed else "decline"
        booking = await self.booking(booking_id)
        if not await self._db(self.bookings.decide, booking.id, status, staff.username,
                              utcnow()):
            raise Conflict("This booking was already decided.")
        event = rasa_events.booking_update(self.booking_update_text(booking, status),
                                           staff.display_name, booking.reference, status.value)
        try:
            await self.rasa.append_events(booking.conversation_id, [event])
        except RasaError as exc:
            await self._db(self.bookings.undo_decision, booking.id, status, staff.username)
            await self._audit(f"booking.{verb}.failed", staff.username, "booking", booking.id,
                              {"error": exc.kind, "status": exc.status})
            raise DeliveryFailed(exc, "The visitor was not told, so the booking is still "
                                      "waiting for a decision.") from None
        await self._audit(f"booking.{verb}", staff.username, "booking", booking.id,
                          {"reference": booking.reference})
        logger.info("frontdesk.booking.%s staff=%s booking=%s", verb, staff.username,
                    booking.id)


def open_handoff_for(handoffs: Sequence[HandoffRecord]) -> Optional[HandoffRecord]:
    return next((h for h in handoffs if h.is_open), None)
