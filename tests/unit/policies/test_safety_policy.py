"""The safety policy: escalation first, and an emergency answer even with no action server."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.safety_policy import ESCALATE_ACTION, OFFLINE_RESPONSE, SafetyPolicy

ROOT = Path(__file__).resolve().parents[3]
SLOTS = Domain.load(str(ROOT / "domain")).slots


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> SafetyPolicy:
    storage = LocalModelStorage(tmp_path_factory.mktemp("models"))
    return SafetyPolicy(SafetyPolicy.get_default_config(), storage, Resource("safety"),
                        ExecutionContext(GraphSchema({}), "test"))


def user(text: str, entities: Optional[List[dict]] = None) -> UserUttered:
    return UserUttered(text, intent={"name": "describe_pain", "confidence": 1.0},
                       entities=entities or [])


def tracker_of(events: List[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("visitor", events, SLOTS)


def emergency_entity(policy: SafetyPolicy, role: Optional[str] = None) -> dict:
    entity: dict[str, Any] = {"entity": "red_flag", "value": sorted(policy.emergency_codes)[0]}
    if role:
        entity["role"] = role
    return entity


def test_an_emergency_urgency_not_yet_announced_escalates(policy: SafetyPolicy) -> None:
    tracker = tracker_of([ActionExecuted("action_listen"), SlotSet("urgency", "emergency"),
                          user("I can't feel my legs")])
    assert policy.next_action(tracker) == ESCALATE_ACTION


def test_an_announced_escalation_is_not_repeated(policy: SafetyPolicy) -> None:
    tracker = tracker_of([ActionExecuted("action_listen"), SlotSet("urgency", "emergency"),
                          SlotSet("escalated", "emergency"), user("ok")])
    assert policy.next_action(tracker) is None


@pytest.mark.parametrize("before", ["action_listen", "action_session_start"])
def test_an_emergency_sign_with_no_action_server_gets_the_offline_answer(
        policy: SafetyPolicy, before: str) -> None:
    """`action_session_start` is the latest action when it failed on a first message."""
    tracker = tracker_of([ActionExecuted(before),
                          user("I can't control my bladder", [emergency_entity(policy)])])
    assert policy.next_action(tracker) == OFFLINE_RESPONSE


def test_a_negated_emergency_sign_is_not_an_emergency(policy: SafetyPolicy) -> None:
    tracker = tracker_of([ActionExecuted("action_listen"),
                          user("no bladder problems", [emergency_entity(policy, "negated")])])
    assert policy.next_action(tracker) is None


@pytest.mark.parametrize("latest", [ESCALATE_ACTION, OFFLINE_RESPONSE])
def test_after_the_emergency_answer_the_bot_listens(policy: SafetyPolicy, latest: str) -> None:
    tracker = tracker_of([ActionExecuted("action_listen"), user("help"),
                          ActionExecuted(latest)])
    assert policy.next_action(tracker) == "action_listen"
