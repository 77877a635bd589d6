"""Saving booking requests (the action server's side): committed before the visitor is told."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.models import Booking

# No 0/O, 1/I/L: a reference is read out over the phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "BK-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class BookingRequest:
    idempotency_key: str
    conversation_id: str
    channel: str
    name: str
    phone: str
    preferred_start: datetime
    preferred_text: str
    reason: str
    urgency: Optional[str]


class BookingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, request: BookingRequest) -> Tuple[Booking, bool]:
        """Saves the request once: a repeat with the same key returns the first booking.

        Returns the booking and whether it was created now.
        """
        existing = self.by_key(request.idempotency_key)
        if existing is not None:
            return existing, False
        for _ in range(5):
            booking = Booking(reference=new_reference(), **request.__dict__)
            try:
                with self.db.session() as session:
                    session.add(booking)
                return booking, True
            except IntegrityError:
                existing = self.by_key(request.idempotency_key)
                if existing is not None:  # a concurrent repeat won the race
                    return existing, False
                # else the reference collided: draw another
        raise RuntimeError("could not allocate a unique booking reference")

    def by_key(self, idempotency_key: str) -> Optional[Booking]:
        with self.db.session() as session:
            return session.execute(
                select(Booking).where(Booking.idempotency_key == idempotency_key)
            ).scalars().first()

    def by_reference(self, reference: str) -> Optional[Booking]:
        with self.db.session() as session:
            return session.execute(
                select(Booking).where(Booking.reference == reference)).scalars().first()
