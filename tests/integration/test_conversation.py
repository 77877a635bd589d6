"""The assistant end to end over REST: real action server, real Rasa, real triage and NLU.

One assistant serves the whole module; each test uses its own sender id.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import pytest
import requests
from sqlalchemy import select

from clinic.profile import load_profile
from store.db import Database
from store.models import Handoff
from tests.integration.harness import Assistant

PROFILE = load_profile()


def sender() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


def texts(replies: List[Dict[str, Any]]) -> List[str]:
    return [r.get("text") or "" for r in replies]


def button_payloads(replies: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def slots(assistant: Assistant, who: str) -> Dict[str, Any]:
    return assistant.tracker(who)["slots"]


def test_the_vertical_slice_from_greeting_to_goodbye(assistant: Assistant) -> None:
    who = sender()
    first = assistant.send(who, "hi")
    assert PROFILE.emergency.text in first[0]["text"]  # disclaimer, once, first
    assert "not a physiotherapist" in first[0]["text"]
    assert "/check_my_back" in button_payloads(first)

    described = texts(assistant.send(who, "my back locked up when I picked up my son"))
    # The action server asked the first red-flag screen, listing the knowledge file's signs.
    assert any("bladder" in t for t in described)
    assert not any("not a physiotherapist" in t for t in described)  # disclaimer shown once
    assert slots(assistant, who)["mechanism"] == "lifting"  # said, so never asked

    assistant.send(who, "no")
    asked = assistant.send(who, "none of these")
    # the mechanism was said, so it is skipped: the activities question comes next
    assert "/describe_pain{\"activity\": \"bending\"}" in button_payloads(asked)
    assistant.send(who, "bending and sitting")
    test_one = assistant.send(who, "about a 7")
    assert any("Test 1 of 4" in t for t in texts(test_one))
    assert any(r.get("image", "").endswith("forward_lean.png") for r in test_one)
    for answer in ["it hurt", "felt tight", "skip", "fine", "fine", "no problem"]:
        assistant.send(who, answer)
    summary = assistant.send(who, "no, none of that")
    joined = " ".join(texts(summary))
    assert "your answers suggest" in joined.lower()
    assert "physiotherapist confirms" in joined
    assert "/book_appointment" in button_payloads(summary)

    state = slots(assistant, who)
    assert state["urgency"] == "routine"
    assert state["assessment"] in {"spasm", "strain"}
    assert state["test_forward_lean"] == "pain"
    assert state["test_side_bend_left"] == "tension"
    assert state["test_side_bend_right"] == "skipped"

    bye = texts(assistant.send(who, "bye"))
    assert PROFILE.phone in bye[0]


@pytest.mark.parametrize(
    ("message", "flag"),
    [
        ("I can't feel my bum and I wet myself", "saddle_numbness"),
        ("my back went and now both my legs feel weak", "bilateral_leg_symptoms"),
        ("is it normal that I can't control my bladder since my back went?",
         "bladder_dysfunction"),
    ],
)
def test_a_first_message_with_a_red_flag_gets_emergency_routing_first(
        assistant: Assistant, message: str, flag: str) -> None:
    who = sender()
    replies = assistant.send(who, message)
    assert PROFILE.emergency.text in replies[0]["text"]  # the very first bubble
    state = slots(assistant, who)
    assert state["urgency"] == "emergency"
    assert flag in state["red_flags"]
    assert state["requested_slot"] is None  # no movement tests
    db = Database(assistant.database_url)
    with db.session() as session:
        handoff = session.execute(select(Handoff).where(
            Handoff.conversation_id == who)).scalars().one()
    db.dispose()
    assert handoff.reason == "emergency" and handoff.urgency == "emergency"
    assert flag in handoff.summary["red_flags"]
    # Handed off: the bot now stays silent and staff see the message in the tracker.
    assert assistant.send(who, "what should I do?") == []
    events = assistant.tracker(who)["events"]
    assert [e["text"] for e in events if e["event"] == "user"][-1] == "what should I do?"


@pytest.mark.parametrize(
    "message",
    ["my bladder is fine and there's no numbness, my back is just really sore",
     "no problems with my bowels or bladder, just a stiff lower back",
     "not sure if my legs are weak, my back hurts though"],
)
def test_a_negated_or_uncertain_red_flag_does_not_alarm(assistant: Assistant,
                                                         message: str) -> None:
    who = sender()
    replies = assistant.send(who, message)
    assert "not a physiotherapist" in replies[0]["text"]  # the disclaimer, not an alarm
    assert not any(PROFILE.emergency.text in t for t in texts(replies[1:]))
    state = slots(assistant, who)
    assert state["urgency"] != "emergency"
    assert state["red_flags"] in ([], None)


def test_a_correction_raises_the_alarm_in_the_same_turn(assistant: Assistant) -> None:
    who = sender()
    assistant.send(who, "no numbness anywhere, my back is sore")
    assert slots(assistant, who)["urgency"] != "emergency"
    replies = assistant.send(who, "actually I do have numbness around my groin")
    assert PROFILE.emergency.text in replies[0]["text"]
    assert slots(assistant, who)["urgency"] == "emergency"


def test_the_tracker_needs_the_token(assistant: Assistant) -> None:
    who = sender()
    assistant.send(who, "hi")
    url = f"{assistant.base_url}/conversations/{who}/tracker"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=30).status_code == 401
    assert assistant.tracker(who)["sender_id"] == who


def test_a_question_mid_assessment_is_answered_and_the_test_resumes(assistant: Assistant
                                                                    ) -> None:
    who = sender()
    for text in ["my back is in spasm", "no", "no", "/describe_pain{\"mechanism\": \"lifting\"}",
                 "/deny", "5"]:
        assistant.send(who, text)
    replies = texts(assistant.send(who, "should I use heat?"))
    assert any("heat" in t.lower() for t in replies[:-1])
    assert "Test 1 of 4" in replies[-1]  # back to where it was
    assert slots(assistant, who)["requested_slot"] == "test_forward_lean"


def test_an_unclear_answer_in_the_form_asks_the_question_again(assistant: Assistant) -> None:
    who = sender()
    for text in ["my back is in spasm", "no", "no"]:
        assistant.send(who, text)
    replies = texts(assistant.send(who, "yes"))  # not an answer to "how did it start?"
    assert "didn't catch that" in replies[0]
    assert "How did it start" in replies[-1]
    assert slots(assistant, who)["requested_slot"] == "mechanism"


def test_asking_for_a_person_pauses_the_bot(assistant: Assistant) -> None:
    who = sender()
    assistant.send(who, "hi")
    replies = texts(assistant.send(who, "can I talk to a person"))
    assert any("front desk" in t for t in replies)
    assert assistant.send(who, "hello? anyone?") == []
    assert slots(assistant, who)["handoff_active"] is True


def test_a_conversation_survives_a_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.integration.harness import start_assistant

    running = start_assistant(tmp_path_factory.mktemp("restart"))
    try:
        who = sender()
        for text in ["my back is in spasm", "no"]:
            running.send(who, text)
        running.restart("rasa")
        running.restart("actions")
        replies = texts(running.send(who, "none of these"))
        assert any("How did it start" in t for t in replies)
        events = running.tracker(who)["events"]
        assert [e["text"] for e in events if e["event"] == "user"][:2] == [
            "my back is in spasm", "no"]
    finally:
        running.stop()


def test_delete_my_data_is_confirmed_then_the_records_go(assistant: Assistant) -> None:
    from store.models import ErasureRequest

    who = sender()
    assistant.send(who, "can I talk to a person")  # leaves a handoff record behind
    # (handed off: the bot is paused, so hand back through the HTTP API as staff would)
    requests.post(f"{assistant.base_url}/conversations/{who}/tracker/events",
                  params={"token": assistant.settings.token},
                  json=[{"event": "resume"}, {"event": "action", "name": "action_listen"}],
                  timeout=30).raise_for_status()
    asked = texts(assistant.send(who, "please delete my data"))
    assert any("can't be undone" in t for t in asked)
    done = texts(assistant.send(who, "yes"))
    assert any("deleted" in t for t in done)
    db = Database(assistant.database_url)
    with db.session() as session:
        assert session.execute(select(Handoff).where(
            Handoff.conversation_id == who)).scalars().all() == []
        assert session.execute(select(ErasureRequest).where(
            ErasureRequest.conversation_id == who)).scalars().one().done_at is None
    db.dispose()
