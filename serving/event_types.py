"""Looks up an event class by its type name in a table, not by walking every subclass.

Rasa 3.6.21 resolves the class of every stored event (`Event.resolve_by_type`) by listing all
subclasses of `Event` recursively and asking `inspect.isabstract` of each: about 50 events are
read back per turn, and in the Rasa server's profile under load this was the largest single
cost of a turn (a quarter of its CPU time, yappi). The table gives the same class the walk
gives (the first non-abstract subclass with that type name, in the walk's order) and is
rebuilt when a name is not in it, so an event class defined later is still found.
Installed at server start (server_hooks.attach); checked against Rasa's own lookup by a unit
test.
"""

from __future__ import annotations

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_table: Dict[Text, Type[Event]] = {}


def _rebuild() -> None:
    table: Dict[Text, Type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    _table.clear()
    _table.update(table)


def resolve_by_type(type_name: Text,
                    default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Same contract as Rasa's `Event.resolve_by_type`."""
    found = _table.get(type_name)
    if found is None:
        _rebuild()
        found = _table.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def install() -> None:
    _rebuild()  # the table now, at start, not during the first visitor's turn
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]
