"""The tracker copied from its state is the tracker Rasa's replay of its events makes."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.actions.forms import FormAction
from rasa.shared.core import events as rasa_events
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
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
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from serving import tracker_copy, tracker_replay

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, describe_pain, deny]
entities: [mechanism]
slots:
  mechanism:
    type: text
    mappings: [{type: from_entity, entity: mechanism}]
  urgency:
    type: categorical
    values: [routine, urgent]
    initial_value: routine
    mappings: [{type: custom}]
  red_flags:
    type: list
    mappings: [{type: custom}]
  pain_score:
    type: float
    min_value: 0
    max_value: 10
    mappings: [{type: custom}]
  findings:
    type: any
    mappings: [{type: custom}]
forms:
  assessment_form:
    required_slots: [mechanism]
responses:
  utter_ask: [{text: "?"}]
actions: [action_triage, action_validate_slot_mappings]
""")
FORMS = ["assessment_form"]
SLOT_VALUES: Dict[str, List[Any]] = {
    "mechanism": ["lifting", None], "urgency": ["routine", "urgent", None],
    "red_flags": [["saddle_numbness"], "fever", [], None], "pain_score": [3.0, None],
    "findings": [{"fever": "negated"}, None]}

user_messages = st.builds(
    lambda intent, text, entities: UserUttered(
        text, {"name": intent, "confidence": 1.0},
        [{"entity": e, "value": "x", "start": 0, "end": 1} for e in entities]),
    st.sampled_from(["greet", "describe_pain", "deny"]), st.sampled_from(["hi", "7", None]),
    st.lists(st.sampled_from(["mechanism"]), max_size=1))
state_events = st.one_of(
    user_messages,
    st.builds(lambda name, hidden: ActionExecuted(name, hide_rule_turn=hidden),
              st.sampled_from(["action_listen", "utter_ask", "action_triage", *FORMS]),
              st.booleans()),
    st.builds(BotUttered, st.sampled_from(["?", "ok"])),
    st.builds(ActiveLoop, st.sampled_from([*FORMS, None])),
    st.builds(LoopInterrupted, st.booleans()),
    st.builds(ActionExecutionRejected, st.sampled_from(FORMS)),
    st.sampled_from(sorted(SLOT_VALUES)).flatmap(
        lambda slot: st.builds(SlotSet, st.just(slot), st.sampled_from(SLOT_VALUES[slot]))),
    st.builds(FollowupAction, st.sampled_from(["utter_ask", "action_triage"])),
    st.builds(DefinePrevUserUtteredFeaturization, st.booleans()),
    st.just(EntitiesAdded([{"entity": "mechanism", "value": "bending"}])),
    st.builds(ReminderScheduled, st.just("greet")), st.builds(ReminderCancelled),
    st.builds(ConversationPaused), st.builds(ConversationResumed), st.builds(AllSlotsReset),
    st.builds(UserUtteranceReverted), st.builds(ActionReverted), st.builds(SessionStarted),
    st.builds(Restarted),
)
EXAMPLES = int(os.environ.get("REPLAY_EXAMPLES", "300"))


def conversation(events: List[Event], max_event_history: Any = None) -> DialogueStateTracker:
    """A tracker as the processor holds one: events applied one by one with `update`."""
    tracker = DialogueStateTracker("visitor", DOMAIN.slots, max_event_history)
    tracker.model_id = "model-1"
    for event in events:
        tracker.update(event)
    return tracker


def without_timestamp(event: object) -> Dict[str, Any]:
    return {k: v for k, v in vars(event).items() if k != "timestamp"}


def state(tracker: DialogueStateTracker) -> Dict[str, Any]:
    """Everything a tracker holds, events and the latest message by identity."""
    loop = tracker.active_loop
    return {
        "events": [id(e) for e in tracker.events],
        "slots": {name: (type(slot), vars(slot)) for name, slot in tracker.slots.items()},
        "paused": tracker._paused, "followup": tracker.followup_action,
        "latest_action": tracker.latest_action,
        "latest_message": (id(tracker.latest_message)
                           if any(e is tracker.latest_message for e in tracker.events)
                           else without_timestamp(tracker.latest_message)),
        "latest_bot": (id(tracker.latest_bot_utterance)
                       if any(e is tracker.latest_bot_utterance for e in tracker.events)
                       else without_timestamp(tracker.latest_bot_utterance)),
        "active_loop": None if loop is None else vars(loop),
        "others": (tracker.sender_id, tracker.sender_source, tracker.is_rule_tracker,
                   tracker._max_event_history, tracker.model_id, tracker.assistant_id),
        "current_state": tracker.current_state(),
    }


def assert_nothing_shared_that_rasa_makes_anew(ours: DialogueStateTracker,
                                              original: DialogueStateTracker) -> None:
    assert ours is not original and ours.events is not original.events
    assert all(ours.slots[n] is not original.slots[n] for n in ours.slots)
    if ours.latest_action is not None:
        assert ours.latest_action is not original.latest_action
    if ours.active_loop is not None and original.active_loop is not None:
        assert ours.active_loop is not original.active_loop


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(state_events, max_size=40))
def test_a_copy_is_rasas_copy(history: List[Event]) -> None:
    tracker = conversation(history)
    tracker_replay.applied_events(tracker)  # remembered, as on a served conversation
    ours, rasas = tracker_copy.copy(tracker), tracker_copy.RASAS_COPY(tracker)
    assert state(ours) == state(rasas)
    assert ours.applied_events() == rasas.applied_events()
    assert_nothing_shared_that_rasa_makes_anew(ours, tracker)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(state_events, max_size=40), st.lists(state_events, max_size=4))
def test_a_replay_with_new_events_is_rasas(history: List[Event], new: List[Event]) -> None:
    tracker = conversation(history)
    ours = tracker_copy.replayed(tracker, new, DOMAIN.slots)
    rasas = DialogueStateTracker.from_events(
        tracker.sender_id, tracker.events_after_latest_restart() + new, slots=DOMAIN.slots)
    assert state(ours) == state(rasas)
    assert_nothing_shared_that_rasa_makes_anew(ours, tracker)


def test_the_copy_changes_apart_from_the_original() -> None:
    tracker = conversation([ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
                            ActiveLoop("assessment_form"), SlotSet("urgency", "urgent")])
    ours = tracker_copy.copy(tracker)
    ours.update(SlotSet("urgency", "routine"))
    ours.update(LoopInterrupted(True))
    ours.latest_action["action_name"] = "changed"
    assert tracker.get_slot("urgency") == "urgent"
    assert tracker.active_loop is not None and not tracker.active_loop.is_interrupted
    assert tracker.latest_action_name == "action_listen"
    assert len(tracker.events) == 4


@pytest.mark.parametrize("case", ["history limit", "event that does more", "restart",
                                  "other slots"])
def test_rasas_code_runs_where_the_state_may_not_be_the_events(
        case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    events: List[Event] = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})]
    limit = None
    slots = DOMAIN.slots
    if case == "history limit":
        limit = 3
        events += [SlotSet("urgency", "urgent"), ActionExecuted("action_listen")]
    elif case == "event that does more":
        events.append(StoryExported(path=None))
    elif case == "restart":
        events += [Restarted(), SlotSet("urgency", "urgent")]
    else:
        slots = Domain.from_yaml("version: '3.1'\nslots:\n  urgency:\n    type: text\n"
                                 "    mappings: [{type: custom}]").slots
    tracker = conversation(events, limit)
    replays: List[int] = []
    rasas_update = DialogueStateTracker.update

    def counted(self: DialogueStateTracker, event: Event, domain: Any = None) -> None:
        replays.append(1)
        rasas_update(self, event, domain)

    monkeypatch.setattr(DialogueStateTracker, "update", counted)
    if case in ("restart", "other slots"):
        ours = tracker_copy.replayed(tracker, [], slots)
        rasas = DialogueStateTracker.from_events(
            tracker.sender_id, tracker.events_after_latest_restart(), slots=slots)
    else:
        ours, rasas = tracker_copy.copy(tracker), tracker_copy.RASAS_COPY(tracker)
    assert len(replays) == 2 * len(rasas.events)  # both replayed every event
    assert state(ours) == state(rasas)


def test_a_copy_replays_nothing_where_it_can_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    tracker = conversation([ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
                            SlotSet("urgency", "urgent")])
    monkeypatch.setattr(DialogueStateTracker, "update",
                        lambda *_: pytest.fail("the history was replayed"))
    assert tracker_copy.copy(tracker).get_slot("urgency") == "urgent"


def test_every_event_type_is_known_to_set_state_only_or_not() -> None:
    """A new event type, or one whose effect changed, needs a decision: fails on upgrade."""
    kinds = {cls for cls in vars(rasa_events).values()
             if inspect.isclass(cls) and issubclass(cls, Event)
             and not inspect.isabstract(cls) and cls is not Event
             and cls.__module__ == rasa_events.__name__}
    not_state_only = {StoryExported}  # writes a file
    legacy = {cls for cls in kinds if cls.__name__.startswith("Legacy")}
    mixins = {cls for cls in kinds if cls.__name__.endswith("Mixin")}
    assert kinds - legacy - mixins - not_state_only == set(tracker_copy.STATE_ONLY_EVENTS)
    effects = {cls.__name__: hashlib.sha256(inspect.getsource(cls.apply_to).encode()
                                            ).hexdigest()[:12]
               for cls in sorted(tracker_copy.STATE_ONLY_EVENTS, key=lambda c: c.__name__)}
    assert effects == APPLY_TO_SHA256, effects


# sha256 (first 12 hex digits) of the Rasa 3.6.21 sources this module reproduces.
APPLY_TO_SHA256 = {
    "ActionExecuted": "c12dc00965af",
    "ActionExecutionRejected": "26fa7feb9672",
    "ActionReverted": "0b1487faed78",
    "ActiveLoop": "b2d976f828fc",
    "AgentUttered": "81e024192d4f",
    "AllSlotsReset": "b1d408d40aef",
    "BotUttered": "2568769ad3ac",
    "ConversationPaused": "0a7da5217ebc",
    "ConversationResumed": "a2e52636e344",
    "DefinePrevUserUtteredFeaturization": "260e4a37a105",
    "EntitiesAdded": "b4d7905cab82",
    "FollowupAction": "9c670b45b765",
    "LoopInterrupted": "5facda1d30dd",
    "ReminderCancelled": "81e024192d4f",
    "ReminderScheduled": "81e024192d4f",
    "Restarted": "ec4d9c43054a",
    "SessionStarted": "3194704944b4",
    "SlotSet": "6de252a6d862",
    "UserUtteranceReverted": "0b1487faed78",
    "UserUttered": "617d53d38029",
}
RASA_SOURCES_SHA256 = {
    "DialogueStateTracker.__init__": "8f39eb22462a",
    "DialogueStateTracker._reset": "190858eaf560",
    "DialogueStateTracker.init_copy": "429fcd2243b9",
    "DialogueStateTracker.copy": "dfa48dca9f35",
    "DialogueStateTracker.travel_back_in_time": "09d16f28f007",
    "DialogueStateTracker.from_events": "820a9cbb7dd5",
    "DialogueStateTracker.update": "b55e6b1c724f",
    "FormAction._temporary_tracker": "381bc4b6e07f",
    "ActionExtractSlots._execute_validation_action": "3f1249f61cf2",
}


def test_the_rasa_code_reproduced_is_rasa_3_6_21s() -> None:
    sources = {
        "DialogueStateTracker.__init__": DialogueStateTracker.__init__,
        "DialogueStateTracker._reset": DialogueStateTracker._reset,
        "DialogueStateTracker.init_copy": DialogueStateTracker.init_copy,
        "DialogueStateTracker.copy": tracker_copy.RASAS_COPY,
        "DialogueStateTracker.travel_back_in_time": DialogueStateTracker.travel_back_in_time,
        "DialogueStateTracker.from_events": DialogueStateTracker.from_events,
        "DialogueStateTracker.update": DialogueStateTracker.update,
        "FormAction._temporary_tracker": tracker_copy.RASAS_TEMPORARY_TRACKER,
        "ActionExtractSlots._execute_validation_action":
            tracker_copy.RASAS_EXECUTE_VALIDATION_ACTION,
    }
    digests = {name: hashlib.sha256(inspect.getsource(fn).encode()).hexdigest()[:12]
               for name, fn in sources.items()}
    assert digests == RASA_SOURCES_SHA256, digests


class RecordingExtractSlots(ActionExtractSlots):
    """Rasa's action with the action server call recorded instead of made."""

    def __init__(self, answer: List[Event]) -> None:
        super().__init__(None)
        self.answer = answer
        self.trackers: List[DialogueStateTracker] = []

    async def _run_custom_action(self, name: str, output_channel: Any, nlg: Any,
                                 tracker: DialogueStateTracker, domain: Domain) -> List[Event]:
        self.trackers.append(tracker)
        return list(self.answer)


@pytest.mark.parametrize("answer", [[], [SlotSet("urgency", "urgent")],
                                    [SlotSet("mechanism", None), BotUttered("note")]])
def test_the_validation_action_gets_and_returns_what_rasas_code_does(answer: List[Event]
                                                                       ) -> None:
    tracker = conversation([ActionExecuted("action_listen"),
                            UserUttered("lifting", {"name": "describe_pain"})])
    extracted = [SlotSet("mechanism", "lifting"), SlotSet("pain_score", 3.0)]
    results = []
    for run in (tracker_copy.execute_validation_action,
                tracker_copy.RASAS_EXECUTE_VALIDATION_ACTION):
        action = RecordingExtractSlots(answer)
        events = asyncio.run(run(action, extracted, None, None, tracker, DOMAIN))
        results.append((events, state(action.trackers[0])))
    assert results[0] == results[1]


def test_the_forms_temporary_tracker_is_rasas() -> None:
    tracker = conversation([ActionExecuted("action_listen"),
                            UserUttered("hi", {"name": "describe_pain"}),
                            ActionExecuted("assessment_form"), ActiveLoop("assessment_form"),
                            SlotSet("requested_slot", "mechanism")])
    form = FormAction("assessment_form", None)
    extra = [SlotSet("mechanism", "lifting")]
    ours = tracker_copy.temporary_tracker(form, tracker, extra, DOMAIN)
    rasas = tracker_copy.RASAS_TEMPORARY_TRACKER(form, tracker, extra, DOMAIN)
    assert state(ours)["events"][:-3] == state(rasas)["events"][:-3]
    assert [type(e) for e in list(ours.events)[-3:]] == [SlotSet, ActionExecuted, SlotSet]
    assert {k: v for k, v in state(ours).items() if k != "events"} == \
        {k: v for k, v in state(rasas).items() if k != "events"}


def test_installed_on_rasas_classes() -> None:
    saved = (DialogueStateTracker.copy, FormAction._temporary_tracker,
             ActionExtractSlots._execute_validation_action)
    try:
        tracker_copy.install()
        assert DialogueStateTracker.copy is tracker_copy.copy
        assert FormAction._temporary_tracker is tracker_copy.temporary_tracker
        assert ActionExtractSlots._execute_validation_action is \
            tracker_copy.execute_validation_action
    finally:
        (DialogueStateTracker.copy, FormAction._temporary_tracker,
         ActionExtractSlots._execute_validation_action) = saved


def test_what_is_remembered_of_the_applied_events_goes_with_the_copy() -> None:
    tracker = conversation([ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})])
    tracker_replay.applied_events(tracker)
    ours = tracker_copy.copy(tracker)
    assert ours.__dict__[tracker_replay.PROGRESS_ATTRIBUTE] is \
        tracker.__dict__[tracker_replay.PROGRESS_ATTRIBUTE]
    assert tracker_replay.HISTORY_ATTRIBUTE not in ours.__dict__


def test_a_new_tracker_has_every_attribute_rasas_has() -> None:
    """`_new_tracker` sets the attributes itself: fails when Rasa's tracker gains one."""
    ours = tracker_copy._new_tracker("visitor", DOMAIN.slots, False)
    rasas = DialogueStateTracker("visitor", DOMAIN.slots)
    assert set(vars(ours)) == set(vars(rasas))
    assert type(ours.events) is type(rasas.events) and ours.events.maxlen is None


def test_the_slot_definitions_are_compared_once_per_tracker_and_list(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tracker = conversation([ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})])
    compared: List[int] = []
    rasas_vars = vars

    def counting_vars(obj: Any) -> Dict[str, Any]:
        compared.append(1)
        return rasas_vars(obj)

    monkeypatch.setattr(tracker_copy, "vars", counting_vars, raising=False)
    first = tracker_copy.replayed(tracker, [], DOMAIN.slots)
    after_first = len(compared)
    assert after_first > 0
    tracker_copy.replayed(tracker, [], DOMAIN.slots)
    tracker_copy.replayed(tracker_copy.copy(tracker), [], DOMAIN.slots)  # a copy knows too
    tracker_copy.replayed(first, [], DOMAIN.slots)  # so does a tracker made from the list
    assert len(compared) == after_first
    other_list = list(DOMAIN.slots)  # the same definitions in another list: compared again
    tracker_copy.replayed(tracker, [], other_list)
    assert len(compared) > after_first
