"""Answers about the domain, worked out once, are Rasa's answers."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import List

import pytest
from rasa.core.actions.forms import FormAction
from rasa.shared.core.domain import Domain

from serving import domain_memo

ROOT = Path(__file__).resolve().parents[3]
SHARED_ENTITY_YAML = """
version: "3.1"
intents: [inform]
entities: [city, mechanism]
slots:
  departure:
    type: text
    mappings:
      - {type: from_entity, entity: city, role: from}
      - {type: from_entity, entity: city}
  arrival:
    type: text
    mappings:
      - {type: from_entity, entity: city, role: to}
      - {type: from_entity, entity: city}
  mechanism:
    type: text
    mappings: [{type: from_entity, entity: mechanism}, {type: from_text}]
forms:
  trip_form:
    required_slots: [departure, arrival]
  pain_form:
    required_slots: [mechanism]
"""


def domains() -> List[Domain]:
    """New domain objects each time: what is kept is kept on them."""
    return [Domain.load(str(ROOT / "domain")), Domain.from_yaml(SHARED_ENTITY_YAML),
            Domain.empty()]


@pytest.mark.parametrize("domain", domains(), ids=["this assistant", "shared entity", "empty"])
def test_the_answers_are_rasas(domain: Domain) -> None:
    assert domain_memo.is_empty(domain) == domain_memo.RASAS_IS_EMPTY(domain)
    for form in domain.form_names:
        action = FormAction(form, None)
        assert domain_memo.unique_entity_mappings(action, domain) == \
            domain_memo.RASAS_UNIQUE_ENTITY_MAPPINGS(action, domain)


def test_a_shared_entity_mapping_is_not_unique() -> None:
    unique = domain_memo.unique_entity_mappings(FormAction("trip_form", None),
                                                 domains()[1])
    assert '{"entity": "city", "role": "from", "type": "from_entity"}' in unique
    assert '{"entity": "city", "type": "from_entity"}' not in unique


def test_each_answer_is_worked_out_once_per_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: List[str] = []
    monkeypatch.setattr(domain_memo, "RASAS_IS_EMPTY",
                        lambda domain: calls.append("is_empty") or False)
    monkeypatch.setattr(domain_memo, "RASAS_UNIQUE_ENTITY_MAPPINGS",
                        lambda form, domain: calls.append(form.name()) or {"m"})
    first, second = domains()[:2]
    for _ in range(3):
        for domain in (first, second):
            assert domain_memo.is_empty(domain) is False
            assert domain_memo.unique_entity_mappings(FormAction("trip_form", None),
                                                      domain) == {"m"}
    assert calls == ["is_empty", "trip_form", "is_empty", "trip_form"]


def test_a_changed_answer_does_not_change_the_next() -> None:
    domain = domains()[1]
    unique = domain_memo.unique_entity_mappings(FormAction("trip_form", None), domain)
    unique.clear()
    assert domain_memo.unique_entity_mappings(FormAction("trip_form", None), domain)


def test_installed_on_rasas_classes() -> None:
    saved = Domain.is_empty, FormAction._create_unique_entity_mappings
    try:
        domain_memo.install()
        assert Domain.is_empty is domain_memo.is_empty
        assert FormAction._create_unique_entity_mappings is domain_memo.unique_entity_mappings
    finally:
        Domain.is_empty, FormAction._create_unique_entity_mappings = saved


def test_the_rasa_code_kept_is_rasa_3_6_21s() -> None:
    """The answers are kept because this code reads nothing that changes after loading:
    fail loudly if an upgrade changes it."""
    digests = {fn.__qualname__: hashlib.sha256(inspect.getsource(fn).encode()).hexdigest()[:12]
               for fn in (domain_memo.RASAS_IS_EMPTY, domain_memo.RASAS_UNIQUE_ENTITY_MAPPINGS)}
    assert digests == {"Domain.is_empty": "884be90ef485",
                       "FormAction._create_unique_entity_mappings": "ee4657bb319d"}
