"""Erases what the visitor told the assistant, after they confirmed it."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies
from privacy import conversation_ref

logger = logging.getLogger(__name__)


class ActionDeleteMyData(Action):
    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        deps = dependencies.get()
        try:
            deps.eraser.request(tracker.sender_id, requested_by="visitor")
        except Exception:
            logger.exception("privacy.erasure.failed conversation=%s",
                             conversation_ref(tracker.sender_id))
            dispatcher.utter_message(
                text="Sorry, I couldn't delete your data just now. Please try again in a "
                     f"moment or call us on {deps.profile.phone}.")
            return []
        dispatcher.utter_message(
            text="Done: your booking requests are deleted, and this conversation will be "
                 "erased within a few minutes once you've left the chat. If you write again, "
                 "we'll start afresh.")
        return [AllSlotsReset()]
