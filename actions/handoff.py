"""Handing a conversation to the front desk: record it, tell the visitor what happens next,
pause the bot. Used by the emergency escalation and by "talk to a person"."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies, names
from actions.triage_summary import build_summary
from clinic.profile import ClinicProfile
from privacy import conversation_ref

logger = logging.getLogger(__name__)


def what_happens_next(profile: ClinicProfile, now: datetime) -> str:
    if profile.is_open(now):
        return "Someone from our front desk will reply here shortly."
    opening = profile.next_opening(now)
    when = opening.strftime("%A at %H:%M") if opening else "when we next open"
    return (f"Our front desk is closed right now; they'll reply here {when}. "
            f"You can also call us on {profile.phone} during opening hours.")


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


def start_handoff(tracker: Tracker, dispatcher: CollectingDispatcher, reason: str,
                  contact: Optional[dict] = None) -> List[EventType]:
    """Opens (or refreshes) the handoff and pauses the bot; on a store failure, says so."""
    deps = dependencies.get()
    summary = build_summary(deps.engine, tracker.slots, contact)
    try:
        deps.handoffs.open(tracker.sender_id, channel_of(tracker), reason,
                           tracker.get_slot(names.URGENCY), summary)
    except Exception:
        logger.exception("handoff.store_failed conversation=%s reason=%s",
                         conversation_ref(tracker.sender_id), reason)
        dispatcher.utter_message(
            text=("Sorry, I couldn't reach our front desk just now. Please call us on "
                  f"{deps.profile.phone}."))
        return []
    logger.info("handoff.opened conversation=%s reason=%s",
                conversation_ref(tracker.sender_id), reason)
    dispatcher.utter_message(text=what_happens_next(deps.profile, datetime.now(timezone.utc)))
    events: List[EventType] = [SlotSet(names.HANDOFF_ACTIVE, True)]
    if tracker.active_loop_name:
        events += [ActiveLoop(None), SlotSet(names.REQUESTED_SLOT, None)]
    events.append(ConversationPaused())
    return events
