"""Makes Rasa's replay of a conversation's history cheaper, with the same results.

Every prediction of the rule and memoization policies turns the whole conversation into
states, and for that Rasa 3.6.21 recomputes `applied_events()` (the events left after
rewinds, restarts and form rejections) from the first event, and copies every slot of the
domain into each tracker it creates with `copy.copy`. Under load these were the largest costs
of a turn left in the Rasa server's profile (yappi: a quarter and a tenth of its CPU time).

- `applied_events` remembers, on the tracker, how far it got: when the conversation has only
  grown since (same first event, same event where it stopped, no new form name), it goes on
  from there instead of starting over. Anything else (a shorter or truncated history, a
  form first named in the new events) computes from the start, as Rasa does. The step is
  Rasa's own loop body, with Rasa's own helpers.
- The states of the history (`Domain.states_for_tracker_history`, what the policies read):
  Rasa replays the history into a new tracker and takes a state before every action at each
  prediction, several times a turn. Here the tracker remembers the states taken so far and
  the replay tracker, and, while its applied events only grow, goes on from there; each call
  gets fresh copies, then Rasa's own steps (rule-only features, user input) on them. An
  event that changes an earlier user message in place (its featurization, added entities)
  after states were taken from it makes it start over.
- Slots get a `__copy__` that does what `copy.copy` does for them (a new object sharing the
  attribute values), without `copy`'s generic reduce protocol.

Installed at server start (server_hooks.attach). Unit tests compare both with Rasa's own
code on generated histories, and fail if Rasa's `applied_events` changes.
"""

from __future__ import annotations

import itertools
import operator
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Text

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

PROGRESS_ATTRIBUTE = "_physio_applied_progress"
HISTORY_ATTRIBUTE = "_physio_history_states"
RASAS_STATES_FOR_TRACKER_HISTORY = Domain.states_for_tracker_history
# Events that change the latest user message in place: states taken since that message
# would read differently now, so a history holding some is computed again from the start.
MESSAGE_CHANGERS = (DefinePrevUserUtteredFeaturization, EntitiesAdded)


@dataclass(frozen=True)
class Progress:
    count: int  # events consumed so far
    first: Event
    last: Event
    loop_names: FrozenSet[str]
    applied: List[Event]  # owned here: never handed out, only copies of it


def loop_names_in(events: Iterable[Event]) -> FrozenSet[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


def apply_events(tracker: DialogueStateTracker, events: Iterable[Event],
                 loop_names: FrozenSet[str], applied: List[Event]) -> None:
    """The body of Rasa 3.6.21's `DialogueStateTracker.applied_events` loop."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted)
              and event.action_name in loop_names
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name,
                                                                     applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def _resumable(tracker: DialogueStateTracker, progress: Any) -> bool:
    events = tracker.events
    return (isinstance(progress, Progress) and len(events) >= progress.count > 0
            and events[0] is progress.first and events[progress.count - 1] is progress.last)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """Same result as Rasa's `applied_events`: a new list of the events that apply."""
    events = self.events
    if not events:
        return []
    progress = self.__dict__.get(PROGRESS_ATTRIBUTE)
    applied: List[Event]
    if _resumable(self, progress):
        new_events = list(itertools.islice(events, progress.count, None))
        if not new_events:
            return list(progress.applied)
        if loop_names_in(new_events) <= progress.loop_names:
            applied = list(progress.applied)
            apply_events(self, new_events, progress.loop_names, applied)
            self.__dict__[PROGRESS_ATTRIBUTE] = Progress(
                len(events), events[0], events[-1], progress.loop_names, applied)
            return list(applied)
    everything = list(events)
    loop_names = loop_names_in(everything)
    applied = []
    apply_events(self, everything, loop_names, applied)
    self.__dict__[PROGRESS_ATTRIBUTE] = Progress(
        len(everything), everything[0], everything[-1], loop_names, applied)
    return list(applied)


@dataclass(frozen=True)
class Snapshot:
    """What Rasa's states loop reads of one prior tracker (the tracker before an action)."""

    hide_rule_turn: bool
    followup_action: Optional[Text]
    latest_action_name: Optional[Text]
    active_loop_name: Optional[Text]
    previous_action: Optional[Dict[Text, Any]]
    state: State  # Domain.get_active_state(tracker), unset slots included

    @classmethod
    def of(cls, domain: Domain, tracker: DialogueStateTracker, hide_rule_turn: bool,
           previous: Optional[Snapshot] = None) -> Snapshot:
        state = _copy_state(domain.get_active_state(tracker))
        if previous is not None:
            # A kept conversation holds a snapshot per action: sub-states equal to the
            # previous snapshot's (the slots, mostly) are that same object, kept once. Safe:
            # what is kept is never handed out, only copies of it (fresh_state).
            for key, sub_state in state.items():
                if previous.state.get(key) == sub_state:
                    state[key] = previous.state[key]
        return cls(hide_rule_turn, tracker.followup_action, tracker.latest_action_name,
                   tracker.active_loop_name, _copy_sub_state(tracker.latest_action), state)

    def fresh_state(self, previous_action: Optional[Dict[Text, Any]]) -> State:
        """A copy to hand out; its previous action is `previous_action`, as in Rasa, where
        the state and the loop's `last_ml_action_sub_state` are the tracker's one dict."""
        state = _copy_state(self.state)
        if PREVIOUS_ACTION in state:
            state[PREVIOUS_ACTION] = previous_action
        return state


def _copy_sub_state(sub_state: Optional[Dict[Text, Any]]) -> Optional[Dict[Text, Any]]:
    return dict(sub_state) if sub_state is not None else None


def _copy_state(state: State) -> State:
    # Values inside sub-states are strings, numbers and tuples: two levels are all there is
    # to copy for nothing handed out to be shared with what is kept.
    return {key: dict(sub) if isinstance(sub, dict) else sub for key, sub in state.items()}


@dataclass
class History:
    domain: weakref.ref[Domain]  # a reference: a copied tracker must not copy the domain
    replay: DialogueStateTracker  # the tracker replayed through `applied`
    applied: List[Event] = field(default_factory=list)
    snapshots: List[Snapshot] = field(default_factory=list)
    snapshots_since_message: int = 0  # taken since the latest user message

    def still_true_after(self, new_events: List[Event]) -> bool:
        """False when a new event changes a message that kept snapshots have read."""
        return not (self.snapshots_since_message
                    and any(isinstance(e, MESSAGE_CHANGERS) for e in new_events))

    def extends(self, applied: List[Event]) -> bool:
        consumed = len(self.applied)
        return len(applied) >= consumed and all(map(operator.is_, self.applied, applied))

    def advance(self, domain: Domain, events: Iterable[Event]) -> None:
        for event in events:
            if isinstance(event, UserUttered):
                self.snapshots_since_message = 0
            if isinstance(event, ActionExecuted):
                self.snapshots_since_message += 1
                previous = self.snapshots[-1] if self.snapshots else None
                self.snapshots.append(Snapshot.of(domain, self.replay, event.hide_rule_turn,
                                                  previous))
            self.replay.update(event)
            self.applied.append(event)


def _history(domain: Domain, tracker: DialogueStateTracker) -> History:
    applied = tracker.applied_events()
    history = tracker.__dict__.get(HISTORY_ATTRIBUTE)
    if not (isinstance(history, History) and history.domain() is domain
            and history.extends(applied)
            and history.still_true_after(applied[len(history.applied):])):
        history = History(weakref.ref(domain), tracker.init_copy())
        tracker.__dict__[HISTORY_ATTRIBUTE] = history
    history.advance(domain, applied[len(history.applied):])
    return history


def states_for_tracker_history(self: Domain, tracker: DialogueStateTracker,
                               omit_unset_slots: bool = False,
                               ignore_rule_only_turns: bool = False,
                               rule_only_data: Optional[Dict[Text, Any]] = None
                               ) -> List[State]:
    """Same result as Rasa 3.6.21's `Domain.states_for_tracker_history`."""
    if omit_unset_slots:  # training only: Rasa's way
        return RASAS_STATES_FOR_TRACKER_HISTORY(self, tracker, omit_unset_slots,
                                                ignore_rule_only_turns, rule_only_data)
    history = _history(self, tracker)
    snapshots = [*history.snapshots, Snapshot.of(self, history.replay, False)]
    states: List[State] = []
    last_ml_action_sub_state = None
    turn_was_hidden = False
    for snapshot in snapshots:  # Rasa's loop, over snapshots instead of prior trackers
        previous_action = _copy_sub_state(snapshot.previous_action)
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = previous_action
            if (not snapshot.followup_action
                    and snapshot.latest_action_name != snapshot.active_loop_name):
                turn_was_hidden = snapshot.hide_rule_turn
            if turn_was_hidden:
                continue
        state = snapshot.fresh_state(previous_action)
        if ignore_rule_only_turns:
            self._remove_rule_only_features(state, rule_only_data)
            if states:
                self._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = last_ml_action_sub_state
        states.append(self._clean_state(state))
    return states


def copy_slot(self: Slot) -> Slot:
    """What `copy.copy` makes of a slot (Python 3.10: a new object, the same attributes)."""
    duplicate: Slot = object.__new__(type(self))  # Slot defines no __new__ of its own
    duplicate.__dict__.update(self.__dict__)
    return duplicate


def install() -> None:
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore
    Slot.__copy__ = copy_slot  # type: ignore[attr-defined]
