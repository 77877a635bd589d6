"""Erasing a person's data everywhere, and purging data past its retention.

"Everywhere" is the clinic database (bookings, handoffs, channel state) and the conversation
itself in the tracker store (Rasa's SQL `events` table). The tracker is erased only once the
conversation has been quiet for a while: Rasa appends a turn's events when the turn ends, so
erasing in the middle of a turn could let that turn write the whole conversation back.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import URL, Engine

from privacy.masking import conversation_ref
from store.db import ROOT, Database
from store.models import (
    Booking,
    ChannelContact,
    DeliveryFailure,
    ErasureRequest,
    Handoff,
    utcnow,
)

logger = logging.getLogger(__name__)
SETTINGS = ROOT / "config" / "privacy.yml"
_VAR = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class PrivacySettings:
    retention_days: int = 365
    erase_after_quiet_seconds: int = 60


@lru_cache(maxsize=1)
def privacy_settings() -> PrivacySettings:
    raw = yaml.safe_load(SETTINGS.read_text(encoding="utf-8")) or {}
    return PrivacySettings(**raw)


def _expand(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1), ""), value)
    return value


def tracker_store_url(endpoints: Path, env: Mapping[str, str]) -> Optional[URL]:
    """The SQLAlchemy URL of the SQL tracker store named in an endpoints file, if any."""
    config = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store")
    if not config:
        return None
    config = {k: _expand(v, env) for k, v in config.items()}
    if "SQL" not in str(config.get("type", "")):
        return None
    dialect = str(config.get("dialect") or "sqlite")
    if dialect == "sqlite":
        database = str(config.get("db") or "rasa.db")
        path = Path(database) if Path(database).is_absolute() else ROOT / database
        return URL.create("sqlite", database=str(path))
    return URL.create(dialect, username=config.get("username") or None,
                      password=config.get("password") or None,
                      host=config.get("url") or None,
                      port=int(config["port"]) if config.get("port") else None,
                      database=config.get("db") or None)


def tracker_engine_from_env(env: Optional[Mapping[str, str]] = None) -> Optional[Engine]:
    env = os.environ if env is None else env
    endpoints = Path(env.get("RASA_ENDPOINTS") or ROOT / "endpoints.yml")
    url = tracker_store_url(endpoints, env) if endpoints.exists() else None
    return create_engine(url, future=True, pool_pre_ping=True) if url else None


class Eraser:
    def __init__(self, db: Database, tracker: Optional[Engine]) -> None:
        self.db = db
        self.tracker = tracker

    def request(self, conversation_id: str, requested_by: str) -> None:
        """Erases the clinic's records now and queues the conversation itself."""
        self.erase_records(conversation_id)
        with self.db.session() as session:
            session.add(ErasureRequest(conversation_id=conversation_id,
                                       requested_by=requested_by))
        logger.info("privacy.erasure.requested conversation=%s by=%s",
                    conversation_ref(conversation_id),
                    "visitor" if requested_by == "visitor" else "staff")

    def erase_records(self, conversation_id: str) -> Dict[str, int]:
        counts = {}
        with self.db.session() as session:
            for model in (Booking, Handoff, DeliveryFailure, ChannelContact):
                result = session.execute(
                    delete(model).where(model.conversation_id == conversation_id))
                counts[model.__tablename__] = int(result.rowcount or 0)
        return counts

    def _last_event_at(self, conversation_id: str) -> Optional[float]:
        if self.tracker is None:
            return None
        with self.tracker.connect() as connection:
            return connection.execute(
                text("SELECT MAX(timestamp) FROM events WHERE sender_id = :sender"),
                {"sender": conversation_id}).scalar()

    def erase_conversation(self, conversation_id: str) -> int:
        if self.tracker is None:
            return 0
        with self.tracker.begin() as connection:
            result = connection.execute(text("DELETE FROM events WHERE sender_id = :sender"),
                                        {"sender": conversation_id})
            return int(result.rowcount or 0)

    def run_due(self, now: Optional[datetime] = None) -> int:
        """Carries out the requests whose conversation has been quiet long enough."""
        now = now or utcnow()
        quiet = privacy_settings().erase_after_quiet_seconds
        done = 0
        with self.db.session() as session:
            pending = list(session.execute(
                select(ErasureRequest).where(ErasureRequest.done_at.is_(None))).scalars())
        for request in pending:
            last = self._last_event_at(request.conversation_id)
            if last is not None and now.timestamp() - float(last) < quiet:
                continue  # still talking (or a turn in flight): try again later
            if (now - request.requested_at).total_seconds() < quiet:
                continue
            events = self.erase_conversation(request.conversation_id)
            self.erase_records(request.conversation_id)  # anything written meanwhile
            with self.db.session() as session:
                stored = session.get(ErasureRequest, request.id)
                if stored is not None:
                    stored.done_at = now
            logger.info("privacy.erasure.done conversation=%s events=%d",
                        conversation_ref(request.conversation_id), events)
            done += 1
        return done

    def purge(self, older_than: timedelta, now: Optional[datetime] = None) -> Dict[str, int]:
        """Deletes bookings, handoffs and conversations older than the retention."""
        cutoff = (now or utcnow()) - older_than
        counts: Dict[str, int] = {}
        with self.db.session() as session:
            for model in (Booking, Handoff, DeliveryFailure):
                result = session.execute(delete(model).where(model.created_at < cutoff))
                counts[model.__tablename__] = int(result.rowcount or 0)
        if self.tracker is not None:
            with self.tracker.begin() as connection:
                stale = connection.execute(text(
                    "SELECT sender_id FROM events GROUP BY sender_id "
                    "HAVING MAX(timestamp) < :cutoff"), {"cutoff": cutoff.timestamp()}
                ).scalars().all()
                for sender in stale:
                    connection.execute(text("DELETE FROM events WHERE sender_id = :sender"),
                                       {"sender": sender})
                counts["conversations"] = len(stale)
        logger.info("privacy.purge.done %s", " ".join(f"{k}={v}" for k, v in counts.items()))
        return counts
