"""Tells the visitor the clinic's hours, address and phone, straight from the clinic profile."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from clinic.profile import ClinicProfile, cached_profile


def clinic_info_text(profile: ClinicProfile, now: datetime) -> str:
    status = "We're open now." if profile.is_open(now) else "We're closed right now."
    return (
        f"{profile.name}\n{profile.address}\nPhone: {profile.phone}\n\n"
        f"Opening hours:\n{profile.hours_text()}\n\n{status}"
    )


class ActionClinicInfo(Action):
    def name(self) -> str:
        return "action_clinic_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        now = datetime.now(timezone.utc)
        dispatcher.utter_message(text=clinic_info_text(cached_profile(), now))
        return []
