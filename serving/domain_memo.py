"""Answers Rasa 3.6.21 works out from the whole domain on every message, kept per domain.

Two questions about the domain cost a serialisation of all of it (`Domain.as_dict()`) each
time they are asked, and they are asked on every visitor message:
- `Domain.is_empty()` (the processor's check of the parsed intent and entities): our whole
  domain as a dict, compared with an empty domain's, itself built from scratch;
- `FormAction._create_unique_entity_mappings(domain)` (slot extraction while a form is
  active): a new FormAction for every from_entity mapping, each working out again which of
  its form's entity mappings are unique.
Together about 4% of the Rasa server's CPU samples per turn under load (py-spy); the check of
the parsed message now takes 5 us.

The answers depend only on the domain's intents, entities, slots' mappings and forms, which
nothing changes once a model is loaded (the slot defaults of clinic_defaults.py change
initial values only), so each is computed once per domain object, by Rasa's own code, and
kept on it. A copy of the set is handed out, as Rasa hands out a new one. Installed at server
start (server_hooks.attach); unit tests compare with Rasa's answers and fail if its code
changes.
"""

from __future__ import annotations

from typing import Dict, Set, Text

from rasa.core.actions.forms import FormAction
from rasa.shared.core.domain import Domain

RASAS_IS_EMPTY = Domain.is_empty
RASAS_UNIQUE_ENTITY_MAPPINGS = FormAction._create_unique_entity_mappings
IS_EMPTY = "_physio_is_empty"
UNIQUE_MAPPINGS = "_physio_unique_entity_mappings"


def is_empty(self: Domain) -> bool:
    """Rasa's `Domain.is_empty`, worked out once per domain."""
    answer = self.__dict__.get(IS_EMPTY)
    if answer is None:
        answer = self.__dict__[IS_EMPTY] = bool(RASAS_IS_EMPTY(self))
    return answer


def unique_entity_mappings(self: FormAction, domain: Domain) -> Set[Text]:
    """Rasa's `FormAction._create_unique_entity_mappings`, worked out once per form and
    domain."""
    kept: Dict[Text, frozenset] = domain.__dict__.setdefault(UNIQUE_MAPPINGS, {})
    name = self.name()
    if name not in kept:
        kept[name] = frozenset(RASAS_UNIQUE_ENTITY_MAPPINGS(self, domain))
    return set(kept[name])


def install() -> None:
    Domain.is_empty = is_empty  # type: ignore[method-assign]
    FormAction._create_unique_entity_mappings = unique_entity_mappings  # type: ignore
