"""The events the console posts to Rasa's HTTP API (docs/contracts.md, "Staff -> visitor").

A staff message is a bot event whose reply travels in `custom` with no `text`, so no channel
shows it twice; channels render `custom.kind` as a message from a person.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

HANDOFF_CLOSED_TEXT = "You're back with the assistant."
StaffMessageKind = Literal["staff_reply", "booking_update", "handoff_closed"]


class StaffCustom(TypedDict, total=False):
    kind: StaffMessageKind
    text: str
    author: str
    reference: str
    status: str


class BotData(TypedDict):
    custom: StaffCustom


class BotEvent(TypedDict):
    event: Literal["bot"]
    text: None
    data: BotData
    metadata: Dict[str, Any]


class ResumeEvent(TypedDict):
    event: Literal["resume"]


class SlotEvent(TypedDict):
    event: Literal["slot"]
    name: str
    value: Any


class ActionEvent(TypedDict):
    event: Literal["action"]
    name: str


RasaEvent = Union[BotEvent, ResumeEvent, SlotEvent, ActionEvent]


def _bot_event(custom: StaffCustom) -> BotEvent:
    return {"event": "bot", "text": None, "data": {"custom": custom},
            "metadata": {"from_staff": True}}


def staff_reply(text: str, author: str) -> BotEvent:
    return _bot_event({"kind": "staff_reply", "text": text, "author": author})


def booking_update(text: str, author: str, reference: Optional[str] = None,
                   status: Optional[str] = None) -> BotEvent:
    custom: StaffCustom = {"kind": "booking_update", "text": text, "author": author}
    if reference:
        custom["reference"] = reference
    if status:
        custom["status"] = status
    return _bot_event(custom)


def hand_back(author: str, text: str = HANDOFF_CLOSED_TEXT) -> List[RasaEvent]:
    """Resume the bot, clear `handoff_active`, and tell the visitor they are back with it.

    The closing `action_listen` puts the conversation back in the state "waiting for the
    visitor": messages written while paused were logged without one, and without it the
    policies would read the next message as part of an unfinished turn.
    """
    return [
        {"event": "resume"},
        {"event": "slot", "name": "handoff_active", "value": False},
        _bot_event({"kind": "handoff_closed", "text": text, "author": author}),
        {"event": "action", "name": "action_listen"},
    ]
