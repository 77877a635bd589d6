from __future__ import annotations

import copy
import hashlib
import inspect
import os
from typing import List

from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import CategoricalSlot, ListSlot, TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from serving import tracker_replay

RASAS_APPLIED_EVENTS = DialogueStateTracker.applied_events
# sha256 of Rasa 3.6.21's `applied_events` source: apply_events copies its loop body.
RASA_APPLIED_EVENTS_SHA256 = "764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae"

FORMS = ["assessment_form", "booking_form"]
events = st.one_of(
    st.builds(lambda t: UserUttered(t, {"name": "greet", "confidence": 1.0}),
              st.sampled_from(["hi", "no", "6"])),
    st.builds(ActionExecuted, st.sampled_from(["action_listen", "utter_ask", "action_triage",
                                               *FORMS])),
    st.builds(ActiveLoop, st.sampled_from([*FORMS, None])),
    st.builds(ActionExecutionRejected, st.sampled_from(FORMS)),
    st.builds(SlotSet, st.sampled_from(["urgency", "pain_score"]),
              st.sampled_from(["routine", "urgent", None])),
    st.just(UserUtteranceReverted()), st.just(ActionReverted()), st.just(Restarted()),
    st.just(SessionStarted()), st.builds(DefinePrevUserUtteredFeaturization, st.booleans()),
)


def fresh_tracker() -> DialogueStateTracker:
    return DialogueStateTracker("visitor", [TextSlot("urgency", []), TextSlot("pain_score", [])])


def ids(events_: List[Event]) -> List[int]:
    return [id(e) for e in events_]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(events, st.booleans()), max_size=40))
def test_resumed_applied_events_are_rasas(history: list) -> None:
    """Asked after some appends (sometimes after each), it answers what Rasa's code does."""
    tracker = fresh_tracker()
    for event, ask_now in history:
        tracker.events.append(event)
        if ask_now:
            assert ids(tracker_replay.applied_events(tracker)) == ids(
                RASAS_APPLIED_EVENTS(tracker))
    assert ids(tracker_replay.applied_events(tracker)) == ids(RASAS_APPLIED_EVENTS(tracker))


def test_a_changed_history_is_computed_from_the_start() -> None:
    tracker = fresh_tracker()
    for event in [ActionExecuted("action_listen"), UserUttered("hi"), ActionExecuted("utter_a")]:
        tracker.events.append(event)
    assert len(tracker_replay.applied_events(tracker)) == 3
    tracker.events.clear()  # e.g. Rasa's _reset
    tracker.events.append(UserUttered("again"))
    assert ids(tracker_replay.applied_events(tracker)) == ids(RASAS_APPLIED_EVENTS(tracker))
    tracker.events.popleft()
    assert tracker_replay.applied_events(tracker) == []


def test_a_form_first_named_later_is_computed_from_the_start() -> None:
    """An earlier run of a form's action counts differently once the form is known."""
    tracker = fresh_tracker()
    for event in [ActionExecuted("assessment_form"), UserUttered("hi"),
                  ActionExecuted("assessment_form")]:
        tracker.events.append(event)
    tracker_replay.applied_events(tracker)
    tracker.events.append(ActiveLoop("assessment_form"))
    assert ids(tracker_replay.applied_events(tracker)) == ids(RASAS_APPLIED_EVENTS(tracker))


def test_the_answer_is_a_new_list_each_time() -> None:
    tracker = fresh_tracker()
    tracker.events.append(UserUttered("hi"))
    first = tracker_replay.applied_events(tracker)
    first.clear()
    assert len(tracker_replay.applied_events(tracker)) == 1


def test_rasas_applied_events_is_the_one_copied() -> None:
    """apply_events repeats Rasa 3.6.21's loop: fail loudly if an upgrade changes it."""
    source = inspect.getsource(RASAS_APPLIED_EVENTS)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == RASA_APPLIED_EVENTS_SHA256, digest


def test_a_slot_copy_is_what_copy_copy_made() -> None:
    slots = [TextSlot("a", [], initial_value="x"), ListSlot("b", [], initial_value=[1]),
             CategoricalSlot("c", [], values=["low", "high"], initial_value="low")]
    for slot in slots:
        duplicate = tracker_replay.copy_slot(slot)
        reference = copy.copy(slot)
        assert type(duplicate) is type(slot) and duplicate is not slot
        assert duplicate.__dict__ == reference.__dict__
        assert all(duplicate.__dict__[k] is v for k, v in slot.__dict__.items())  # shallow
        duplicate.value = "changed"
        assert slot.value != "changed"


# The states of the history, as the policies read them, against Rasa's own computation.
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import EntitiesAdded, FollowupAction  # noqa: E402

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, describe_pain, affirm, deny]
entities: [mechanism, pain_score]
slots:
  mechanism:
    type: text
    mappings: [{type: from_entity, entity: mechanism}]
  urgency:
    type: categorical
    values: [routine, urgent]
    initial_value: routine
    mappings: [{type: custom}]
  pain_score:
    type: float
    min_value: 0
    max_value: 10
    mappings: [{type: from_entity, entity: pain_score}]
  consent:
    type: bool
    influence_conversation: true
    mappings: [{type: custom}]
forms:
  assessment_form:
    required_slots: [mechanism, pain_score]
  booking_form:
    required_slots: [consent]
responses:
  utter_ask: [{text: "?"}]
actions: [action_triage]
""")
SLOT_VALUES = {"mechanism": ["lifting", None], "urgency": ["routine", "urgent", None],
               "pain_score": [3.0, 9.0, None], "consent": [True, False, None]}
user_messages = st.builds(
    lambda intent, text, entities: UserUttered(
        text, {"name": intent, "confidence": 1.0},
        [{"entity": e, "value": "x", "start": 0, "end": 1} for e in entities]),
    st.sampled_from(["greet", "describe_pain", "affirm", "deny"]),
    st.sampled_from(["hi", "lifting", "7", None]),
    st.lists(st.sampled_from(["mechanism", "pain_score"]), max_size=2, unique=True))
domain_events = st.one_of(
    user_messages,
    st.builds(lambda name, hidden: ActionExecuted(name, hide_rule_turn=hidden),
              st.sampled_from(["action_listen", "utter_ask", "action_triage", *FORMS]),
              st.booleans()),
    st.builds(ActiveLoop, st.sampled_from([*FORMS, None])),
    st.builds(ActionExecutionRejected, st.sampled_from(FORMS)),
    st.sampled_from(sorted(SLOT_VALUES)).flatmap(
        lambda slot: st.builds(SlotSet, st.just(slot), st.sampled_from(SLOT_VALUES[slot]))),
    st.builds(FollowupAction, st.sampled_from(["utter_ask", "action_triage"])),
    st.builds(DefinePrevUserUtteredFeaturization, st.booleans()),
    st.just(EntitiesAdded([{"entity": "mechanism", "value": "bending"}])),
    st.just(UserUtteranceReverted()), st.just(ActionReverted()), st.just(Restarted()),
)
RULE_ONLY = [None, {"rule_only_slots": ["consent"], "rule_only_loops": ["booking_form"]}]


def rasas_states(tracker: DialogueStateTracker, ignore: bool, rule_only: object) -> list:
    return tracker_replay.RASAS_STATES_FOR_TRACKER_HISTORY(DOMAIN, tracker, False, ignore,
                                                           rule_only)


def our_states(tracker: DialogueStateTracker, ignore: bool, rule_only: object) -> list:
    return tracker_replay.states_for_tracker_history(DOMAIN, tracker, False, ignore, rule_only)


def spoil(states: list) -> None:
    """What the featurizers do to states they are handed: change them in place."""
    for state in states:
        for sub_state in state.values():
            if isinstance(sub_state, dict):
                sub_state.pop("text", None)
                sub_state["spoiled"] = True


@settings(max_examples=int(os.environ.get("REPLAY_EXAMPLES", "300")), deadline=None)
@given(st.lists(st.tuples(domain_events, st.booleans()), max_size=30), st.booleans(),
       st.sampled_from(RULE_ONLY))
def test_resumed_history_states_are_rasas(history: list, ignore: bool,
                                          rule_only: object) -> None:
    tracker = DialogueStateTracker("visitor", DOMAIN.slots)
    for event, ask_now in history:
        tracker.update(event, DOMAIN)
        if ask_now:
            ours = our_states(tracker, ignore, rule_only)
            assert ours == rasas_states(tracker, ignore, rule_only)
            spoil(ours)  # must not reach what is kept for the next call
    assert our_states(tracker, ignore, rule_only) == rasas_states(tracker, ignore, rule_only)
    assert our_states(tracker, not ignore, None) == rasas_states(tracker, not ignore, None)


def test_states_come_from_the_remembered_history_while_it_only_grows() -> None:
    tracker = DialogueStateTracker("visitor", DOMAIN.slots)
    for event in [ActionExecuted("action_listen"), UserUttered("7", {"name": "deny"}),
                  ActionExecuted("utter_ask"), ActionExecuted("action_listen")]:
        tracker.update(event, DOMAIN)
    our_states(tracker, False, None)
    kept = tracker.__dict__[tracker_replay.HISTORY_ATTRIBUTE]
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}), DOMAIN)
    assert our_states(tracker, False, None) == rasas_states(tracker, False, None)
    assert tracker.__dict__[tracker_replay.HISTORY_ATTRIBUTE] is kept  # went on from there
    tracker.update(UserUtteranceReverted(), DOMAIN)
    assert our_states(tracker, False, None) == rasas_states(tracker, False, None)
    assert tracker.__dict__[tracker_replay.HISTORY_ATTRIBUTE] is not kept  # started over


def test_a_copied_tracker_does_not_copy_the_domain() -> None:
    tracker = DialogueStateTracker("visitor", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"), DOMAIN)
    our_states(tracker, False, None)
    duplicate = copy.deepcopy(tracker)
    assert duplicate.__dict__[tracker_replay.HISTORY_ATTRIBUTE].domain() is DOMAIN
    assert our_states(duplicate, False, None) == rasas_states(duplicate, False, None)


def test_a_message_featurized_after_states_were_taken_from_it() -> None:
    """Found by hypothesis: the featurization event changes the message object in place,
    so the states taken since it are taken again (as Rasa's full replay would read them)."""
    tracker = DialogueStateTracker("visitor", DOMAIN.slots)
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}), DOMAIN)
    tracker.update(ActionExecuted("action_listen"), DOMAIN)
    our_states(tracker, False, None)
    tracker.update(DefinePrevUserUtteredFeaturization(False), DOMAIN)
    assert our_states(tracker, False, None) == rasas_states(tracker, False, None)
