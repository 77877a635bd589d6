"""Answers "tell me more" with the continuation of the last FAQ answer, if it has one."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.faq_catalogue import continuation_for


def last_faq_answer(tracker: Tracker) -> Optional[str]:
    """The response name of the bot's latest FAQ answer in this conversation."""
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        utter_action = (event.get("metadata") or {}).get("utter_action", "")
        if utter_action.startswith(names.FAQ_RESPONSE_PREFIX):
            return utter_action
    return None


class ActionTellMeMore(Action):
    def name(self) -> str:
        return "action_tell_me_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        continuation = continuation_for(last_faq_answer(tracker))
        dispatcher.utter_message(response=continuation or names.UTTER_NO_MORE)
        return []
