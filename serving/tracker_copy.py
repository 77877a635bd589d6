"""Copies a conversation's tracker without replaying its whole history, with the same result.

Rasa 3.6.21 makes a new tracker by replaying every event of the conversation into an empty
one several times a turn: `tracker.copy()` before each action it runs (the processor keeps
the original in case the action fails), and `DialogueStateTracker.from_events(...)` of the
events since the latest restart, plus a few new ones, for the form's temporary tracker and
for `action_validate_slot_mappings`: two to five replays a turn, each growing with the
conversation. Copying instead took the Rasa server's CPU per turn down by 3.5% on the
benchmark's (short) conversations (8.64 to 8.34 ms, two alternations of three loads each);
a copy is 25 us where Rasa's replay of a 100-event conversation is 90 us.

A tracker's state is, by Rasa's own rule (`DialogueStateTracker.__init__`: "MUST be
re-creatable by processing all the events"), what its events made of it. So the copy takes
that state from the tracker itself: the same events, each slot's value and whether it was
set, the latest action, message and bot utterance, the active loop, the follow-up action,
paused or not. What Rasa's replay makes anew is made anew (the slots, the latest action's
dict, the active loop); what it shares with the events (a message and its parse data, a
slot's value) is shared. Then the extra events are applied with `update`, as Rasa does.

Where that rule could not hold, or the replay would do more than set state, Rasa's own code
runs: an event type outside `STATE_ONLY_EVENTS` (exact types: a subclass may do anything,
`StoryExported` writes a file), a restart in the events (the replay would start after it),
a history limit (`max_event_history`: the replay would see only the kept events), a tracker
subclass, slots of another definition than those asked for, a conversation before its first
message. Unit tests compare the result
with Rasa's on generated histories, and fail if Rasa's copying code changes.
Installed at server start (server_hooks.attach); training keeps Rasa's code.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Iterable, List, Optional, Text

from rasa.core.actions.action import ActionExtractSlots
from rasa.core.actions.forms import FormAction
from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.constants import (
    ACTION_LISTEN_NAME,
    ACTION_VALIDATE_SLOT_MAPPINGS,
    REQUESTED_SLOT,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AgentUttered,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    ReminderCancelled,
    ReminderScheduled,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

from serving import tracker_replay
from serving.tracker_replay import copy_slot

RASAS_COPY = DialogueStateTracker.copy
# On a tracker: the list of slot definitions its slots were checked to have.
DEFINED_BY = "_physio_slots_defined_by"
RASAS_TEMPORARY_TRACKER = FormAction._temporary_tracker
RASAS_EXECUTE_VALIDATION_ACTION = ActionExtractSlots._execute_validation_action

# Events whose `apply_to` only sets the tracker's state from the event (Rasa 3.6.21).
STATE_ONLY_EVENTS = frozenset({
    UserUttered, BotUttered, ActionExecuted, SlotSet, Restarted, SessionStarted,
    UserUtteranceReverted, ActionReverted, AllSlotsReset, ReminderScheduled,
    ReminderCancelled, FollowupAction, ConversationPaused, ConversationResumed, ActiveLoop,
    LoopInterrupted, ActionExecutionRejected, DefinePrevUserUtteredFeaturization,
    EntitiesAdded, AgentUttered,
})


def _copyable(tracker: DialogueStateTracker, restart_allowed: bool) -> bool:
    if type(tracker) is not DialogueStateTracker or tracker._max_event_history is not None:
        return False
    if type(tracker.slots) is not dict:  # an AnySlotDict makes slots as they are set
        return False
    for event in tracker.events:
        kind = type(event)
        if kind not in STATE_ONLY_EVENTS or (kind is Restarted and not restart_allowed):
            return False
    # Before the first message, the latest message is the empty one `_reset` made, and
    # events may change it (a featurization, entities): only a replay makes those again.
    return _is_one_of(tracker.latest_message, tracker.events)


def _same_definitions(tracker: DialogueStateTracker, slots: List[Slot]) -> bool:
    """True when `slots` are the definitions the tracker's slots were copied from: the same
    names, types and settings (everything but the value and whether it was set). Once true,
    it is remembered on the tracker for that list of slots (a domain's), and passed on to its
    copies: nothing changes a slot's definition after the model is loaded."""
    if tracker.__dict__.get(DEFINED_BY) is slots:
        return True
    if len(slots) != len(tracker.slots):
        return False
    for slot in slots:
        own = tracker.slots.get(slot.name)
        if type(own) is not type(slot):
            return False
        mine, theirs = dict(vars(own)), dict(vars(slot))
        for state in ("_value", "_has_been_set"):
            mine.pop(state, None)
            theirs.pop(state, None)
        if mine != theirs:
            return False
    tracker.__dict__[DEFINED_BY] = slots
    return True


def _is_one_of(candidate: object, events: Iterable[Event]) -> bool:
    # From the end: the latest message is nearly always among the last few events.
    return any(event is candidate for event in reversed(events))  # type: ignore[call-overload]


def _new_tracker(sender_id: Text, slots: Iterable[Slot],
                 is_rule_tracker: bool) -> DialogueStateTracker:
    """What `DialogueStateTracker(sender_id, slots, is_rule_tracker=...)` makes, less the
    reset of the slots and the empty messages that `_with_state_of` sets next anyway."""
    tracker: DialogueStateTracker = object.__new__(DialogueStateTracker)
    tracker.__dict__.update(
        _max_event_history=None, events=deque(), sender_id=sender_id,
        slots={slot.name: copy_slot(slot) for slot in slots}, sender_source=None,
        is_rule_tracker=is_rule_tracker, _paused=False, followup_action=ACTION_LISTEN_NAME,
        latest_action={}, latest_message=None, latest_bot_utterance=None, active_loop=None,
        model_id=None, assistant_id=None)
    return tracker


def _with_state_of(clone: DialogueStateTracker,
                   tracker: DialogueStateTracker) -> DialogueStateTracker:
    """`clone` (new, empty, with slots of the tracker's definitions) given the tracker's
    events and the state they made."""
    clone.events.extend(tracker.events)
    for name, slot in clone.slots.items():
        source = tracker.slots[name]
        slot._value = source._value
        slot._has_been_set = source._has_been_set
    clone._paused = tracker._paused
    clone.followup_action = tracker.followup_action
    clone.latest_action = dict(tracker.latest_action) if tracker.latest_action is not None \
        else None
    clone.latest_message = tracker.latest_message  # one of the events (_copyable)
    # An utterance that is not one of the events is the empty one `_reset` made (no event
    # changes it): the replay would make one of its own.
    clone.latest_bot_utterance = (
        tracker.latest_bot_utterance if _is_one_of(tracker.latest_bot_utterance, tracker.events)
        else BotUttered.empty())
    # The loop is made anew; its trigger message is the message's own parse data in both.
    loop = tracker.active_loop
    clone.active_loop = None if loop is None else dataclasses.replace(loop)
    # What `applied_events` remembers is keyed by the events themselves (tracker_replay).
    progress = tracker.__dict__.get(tracker_replay.PROGRESS_ATTRIBUTE)
    if progress is not None:
        clone.__dict__[tracker_replay.PROGRESS_ATTRIBUTE] = progress
    return clone


def _defined_by(tracker: DialogueStateTracker, slots: object) -> DialogueStateTracker:
    if slots is not None:
        tracker.__dict__[DEFINED_BY] = slots
    return tracker


def copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """Same result as Rasa 3.6.21's `DialogueStateTracker.copy()` (a replay of every event
    into `init_copy()`)."""
    if not _copyable(self, restart_allowed=True):
        return RASAS_COPY(self)
    clone = _with_state_of(_new_tracker(self.sender_id or DEFAULT_SENDER_ID,
                                        self.slots.values(), self.is_rule_tracker), self)
    return _defined_by(clone, self.__dict__.get(DEFINED_BY))


def replayed(tracker: DialogueStateTracker, new_events: Iterable[Event],
             slots: List[Slot]) -> DialogueStateTracker:
    """Same result as `DialogueStateTracker.from_events(tracker.sender_id,
    tracker.events_after_latest_restart() + new_events, slots=slots)`."""
    new_events = list(new_events)
    if not (_copyable(tracker, restart_allowed=False) and _same_definitions(tracker, slots)):
        return DialogueStateTracker.from_events(
            tracker.sender_id, tracker.events_after_latest_restart() + new_events, slots=slots)
    clone = _defined_by(_with_state_of(_new_tracker(tracker.sender_id, slots, False),
                                       tracker), slots)
    for event in new_events:
        clone.update(event)
    return clone


def temporary_tracker(self: FormAction, current_tracker: DialogueStateTracker,
                      additional_events: List[Event], domain: Domain) -> DialogueStateTracker:
    """Rasa 3.6.21's `FormAction._temporary_tracker`, the history copied instead of
    replayed."""
    return replayed(current_tracker,
                    [SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)),
                     ActionExecuted(self.name()), *additional_events],
                    domain.slots)


async def execute_validation_action(self: ActionExtractSlots, extraction_events: List[Event],
                                    output_channel: object, nlg: object,
                                    tracker: DialogueStateTracker,
                                    domain: Domain) -> List[Event]:
    """Rasa 3.6.21's `ActionExtractSlots._execute_validation_action`, the history copied
    instead of replayed: the extracted slots are offered to `action_validate_slot_mappings`;
    a slot it does not mention is taken as valid."""
    if ACTION_VALIDATE_SLOT_MAPPINGS not in domain.user_actions:
        return await RASAS_EXECUTE_VALIDATION_ACTION(self, extraction_events, output_channel,
                                                     nlg, tracker, domain)
    slot_events: List[Event] = [e for e in extraction_events if isinstance(e, SlotSet)]
    validate_events: List[Event] = await self._run_custom_action(
        ACTION_VALIDATE_SLOT_MAPPINGS, output_channel, nlg,
        replayed(tracker, slot_events, domain.slots), domain)
    validated: set[Optional[Text]] = {e.key for e in validate_events if isinstance(e, SlotSet)}
    return validate_events + [e for e in slot_events
                              if isinstance(e, SlotSet) and e.key not in validated]


def install() -> None:
    DialogueStateTracker.copy = copy  # type: ignore[method-assign]
    FormAction._temporary_tracker = temporary_tracker  # type: ignore[method-assign]
    ActionExtractSlots._execute_validation_action = execute_validation_action  # type: ignore
