"""action_validate_slot_mappings: the triage slots follow every message from the first one."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.action_validate_slot_mappings import ActionValidateSlotMappings
from tests.conftest import make_tracker


def entity(kind: str, value: str, role: Optional[str] = None) -> Dict[str, Any]:
    found = {"entity": kind, "value": value, "start": 0, "end": 1}
    if role:
        found["role"] = role
    return found


async def run_turn(slots: Dict[str, Any], entities: List[Dict[str, Any]],
                   intent: str = "describe_pain", text: str = "my back",
                   paused: bool = False) -> tuple[Dict[str, Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=slots, intent=intent, entities=entities, text=text,
                           paused=paused)
    events = await ActionValidateSlotMappings().run(dispatcher, tracker, {})
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("code", "urgency"),
    [("saddle_numbness", "emergency"), ("bladder_dysfunction", "emergency"),
     ("bilateral_leg_symptoms", "emergency"), ("cancer_history", "urgent"),
     ("fever_or_unwell", "urgent")],
)
async def test_a_red_flag_in_the_first_message_sets_urgency_at_once(deps, code, urgency):
    slots, dispatcher = await run_turn({}, [entity("red_flag", code)])
    assert slots["urgency"] == urgency
    assert code in slots["red_flags"]
    # The disclaimer waits: the escalation's instruction must be the first thing said.
    assert dispatcher.messages == []
    assert "disclaimer_shown" not in slots


@pytest.mark.asyncio
@pytest.mark.parametrize("role", ["negated", "uncertain"])
async def test_a_negated_or_uncertain_red_flag_raises_nothing(deps, role):
    slots, dispatcher = await run_turn({}, [entity("red_flag", "saddle_numbness", role)])
    assert slots.get("urgency") != "emergency"
    assert slots.get("red_flags", []) == []
    assert [m.get("response") for m in dispatcher.messages] == ["utter_disclaimer"]


@pytest.mark.asyncio
async def test_a_correction_updates_the_result(deps):
    first, _ = await run_turn({}, [entity("red_flag", "saddle_numbness", "negated")])
    assert first["findings"]["saddle_numbness"] == "absent"
    second, _ = await run_turn({"findings": first["findings"], "disclaimer_shown": True},
                               [entity("red_flag", "saddle_numbness")],
                               text="actually I do have some numbness down there")
    assert second["urgency"] == "emergency"


@pytest.mark.asyncio
async def test_the_first_description_becomes_the_complaint(deps):
    slots, _ = await run_turn({}, [], text="my back locked up when I picked up my son")
    assert slots["complaint"] == "my back locked up when I picked up my son"


@pytest.mark.asyncio
async def test_the_disclaimer_is_shown_once(deps):
    _, dispatcher = await run_turn({"disclaimer_shown": True}, [])
    assert dispatcher.messages == []


@pytest.mark.asyncio
async def test_while_handed_off_an_emergency_is_still_answered(deps):
    slots, dispatcher = await run_turn({"disclaimer_shown": True, "handoff_active": True},
                                       [entity("red_flag", "bowel_dysfunction")], paused=True)
    assert slots["escalated"] == "emergency"
    texts = " ".join(m["text"] for m in dispatcher.messages)
    assert deps.profile.emergency.text in texts


@pytest.mark.asyncio
async def test_no_for_leg_symptoms_marks_every_leg_symptom_absent(deps):
    slots, _ = await run_turn({"requested_slot": "leg_symptoms", "disclaimer_shown": True},
                              [], intent="deny", text="no")
    leg = deps.engine.knowledge.symptom_groups["leg"]
    assert all(slots["findings"][code] == "absent" for code in leg)
