from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from serving import event_types


def rasas_lookup(type_name: str) -> object:
    """Rasa 3.6.21's walk, as `Event.resolve_by_type` does it."""
    for cls in all_subclasses(Event):
        if cls.type_name == type_name:
            return cls
    return None


@pytest.mark.parametrize("type_name", sorted({c.type_name for c in all_subclasses(Event)}))
def test_every_event_name_resolves_to_the_class_rasas_walk_finds(type_name: str) -> None:
    assert event_types.resolve_by_type(type_name) is rasas_lookup(type_name)


def test_unknown_names_keep_rasas_contract() -> None:
    assert event_types.resolve_by_type("topic") is None
    assert event_types.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        event_types.resolve_by_type("no_such_event")


def test_an_event_class_defined_later_is_found() -> None:
    class LateEvent(SlotSet):
        type_name = "late_event_for_this_test"

    assert event_types.resolve_by_type("late_event_for_this_test") is LateEvent


def test_installed_it_round_trips_stored_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type",  # restored after the test
                        Event.__dict__["resolve_by_type"])
    event_types.install()
    events = [UserUttered("hi", {"name": "greet", "confidence": 1.0}),
              ActionExecuted("utter_greet"), SlotSet("urgency", "routine")]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events
