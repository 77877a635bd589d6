"""Both WhatsApp channels inside a real Rasa server (and action server), talking to local
stand-ins of the Graph API and of Twilio's Messages API.

The servers start once for this module with a credentials file of their own: the shipped
`credentials.yml` plus the two WhatsApp entries, whose values come from environment variables
exactly as in production. The assertions are about structure (interactive messages, payloads,
tracker events, channel names), never about the bot's wording.

Model: the newest one in `models/` (`make train`), or in `$WHATSAPP_IT_MODELS`.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import quote

import pytest
import requests
import yaml

from scripts.processes import ProcessGroup
from scripts.services import ROOT, Settings, assistant_services
from tests.integration.harness import START_TIMEOUT_S, free_port, write_endpoints
from tests.standins import graph_api as meta
from tests.standins import twilio_api as twilio
from tests.standins.graph_api import GraphApiStandin, GraphRequest
from tests.standins.runner import LocalServer
from tests.standins.twilio_api import TwilioApiStandin

MAX_TURNS = 25
TURN_TIMEOUT_S = 90.0
APP_SECRET = "it-app-secret-" + secrets.token_hex(4)
TWILIO_NUMBER = "whatsapp:+14155238886"

CREDENTIAL_ENTRIES = {
    "channels.whatsapp_cloud_channel.WhatsAppCloudInput": {
        "access_token": "${WHATSAPP_ACCESS_TOKEN}",
        "phone_number_id": "${WHATSAPP_PHONE_NUMBER_ID}",
        "app_secret": "${WHATSAPP_APP_SECRET}",
        "verify_token": "${WHATSAPP_VERIFY_TOKEN}",
        "api_version": "${WHATSAPP_API_VERSION}",
        "graph_api_base_url": "${WHATSAPP_GRAPH_API_BASE_URL}",
    },
    "channels.twilio_whatsapp_channel.TwilioWhatsAppInput": {
        "account_sid": "${TWILIO_ACCOUNT_SID}",
        "auth_token": "${TWILIO_AUTH_TOKEN}",
        "whatsapp_number": "${TWILIO_WHATSAPP_NUMBER}",
        "public_url": "${TWILIO_WEBHOOK_PUBLIC_URL}",
        "api_base_url": "${TWILIO_API_BASE_URL}",
    },
}


def path_id(conversation_id: str) -> str:
    """A conversation id in a URL path. Sanic matches the raw path and does not decode it, so
    "+" stays as it is (an encoded %2B would name another conversation)."""
    return quote(conversation_id, safe="+:")


@dataclass
class Running:
    base_url: str
    token: str
    graph: GraphApiStandin
    twilio: TwilioApiStandin
    group: ProcessGroup

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        reply = requests.get(f"{self.base_url}/conversations/{path_id(conversation_id)}/tracker",
                             params={"token": self.token}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def user_events(self, conversation_id: str) -> List[Dict[str, Any]]:
        return [e for e in self.tracker(conversation_id)["events"] if e["event"] == "user"]

    def wait_for_turn(self, conversation_id: str, message_id: str) -> Dict[str, Any]:
        """Until the tracker holds the message and the turn ended (Rasa saves the tracker
        after the turn's messages were sent, so the stand-ins have them by then)."""
        deadline = time.monotonic() + TURN_TIMEOUT_S
        while time.monotonic() < deadline:
            tracker = self.tracker(conversation_id)
            events = tracker["events"]
            positions = [i for i, e in enumerate(events)
                         if e["event"] == "user" and e.get("message_id") == message_id]
            if positions:
                after = events[positions[0] + 1:]
                if tracker.get("paused") or any(
                        e["event"] == "action" and e.get("name") == "action_listen"
                        for e in after):
                    return tracker
            time.sleep(0.2)
        tail = "\n".join(self.group.log_tail("rasa").splitlines()[-30:])
        raise AssertionError(f"turn {message_id} did not finish in {TURN_TIMEOUT_S}s:\n{tail}")


def _model_dir() -> Path:
    models = Path(os.environ.get("WHATSAPP_IT_MODELS") or ROOT / "models")
    if not any(models.glob("*.tar.gz")):
        raise RuntimeError(f"no trained model in {models}: run `make train` first")
    return models


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    models = _model_dir()
    workdir = tmp_path_factory.mktemp("whatsapp")
    graph, twilio_api = GraphApiStandin(), TwilioApiStandin()
    graph_server = LocalServer(graph.app).start_in_thread()
    twilio_server = LocalServer(twilio_api.app).start_in_thread()
    action_port, rasa_port = free_port(), free_port()
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    credentials.update(CREDENTIAL_ENTRIES)
    credentials_file = workdir / "credentials.yml"
    credentials_file.write_text(yaml.safe_dump(credentials))
    settings = Settings(host="127.0.0.1", rasa_port=rasa_port, action_port=action_port,
                        token=secrets.token_urlsafe(16),
                        endpoints=write_endpoints(workdir / "endpoints.yml", action_port,
                                                  workdir / "tracker.db"),
                        credentials=credentials_file, models=models)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false",
           "DATABASE_URL": f"sqlite:///{workdir / 'clinic.db'}",
           "WHATSAPP_ACCESS_TOKEN": graph.access_token,
           "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
           "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": "it-verify",
           "WHATSAPP_API_VERSION": "v24.0", "WHATSAPP_GRAPH_API_BASE_URL": graph_server.base_url,
           "TWILIO_ACCOUNT_SID": twilio_api.account_sid,
           "TWILIO_AUTH_TOKEN": twilio_api.auth_token, "TWILIO_WHATSAPP_NUMBER": TWILIO_NUMBER,
           "TWILIO_WEBHOOK_PUBLIC_URL":
               f"http://127.0.0.1:{rasa_port}/webhooks/twilio_whatsapp/webhook",
           "TWILIO_API_BASE_URL": twilio_server.base_url}
    group = ProcessGroup(workdir / "log")
    try:
        for service in assistant_services(settings, env):
            if not group.start_and_wait(service, START_TIMEOUT_S):
                raise RuntimeError(f"{service.name} failed to start:\n"
                                   f"{group.log_tail(service.name)}")
        yield Running(f"http://127.0.0.1:{rasa_port}", settings.token, graph, twilio_api, group)
    finally:
        group.stop_all()
        graph_server.stop_thread()
        twilio_server.stop_thread()


def new_wa_id() -> str:
    return "2782" + str(secrets.randbelow(10**7)).zfill(7)


def deliver_cloud(running: Running, payload: Dict[str, Any]) -> None:
    body, headers = meta.signed(payload, APP_SECRET)
    reply = requests.post(f"{running.base_url}/webhooks/whatsapp/webhook", data=body,
                          headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text


def cloud_turn(running: Running, wa_id: str, message: Dict[str, Any]) -> List[GraphRequest]:
    before = len(running.graph.requests)
    deliver_cloud(running, meta.messages_webhook(message))
    running.wait_for_turn("+" + wa_id, message["id"])
    return [r for r in running.graph.requests[before:] if r.to == wa_id]


def choice(sent: List[GraphRequest]) -> Optional[GraphRequest]:
    """The last message of a turn that offers buttons or a list."""
    offering = [r for r in sent if r.reply_ids()]
    return offering[-1] if offering else None


def test_a_full_assessment_over_the_cloud_api(running: Running) -> None:
    """Tap through the guided assessment as a visitor would: the first option each time,
    a typed pain score where there are no options, until the summary arrives."""
    wa_id = new_wa_id()
    sent_ids = []
    first = meta.text_message(wa_id, "hi")
    sent_ids.append(first["id"])
    replies = cloud_turn(running, wa_id, first)
    all_replies = list(replies)
    for _ in range(MAX_TURNS - 1):
        if any("answers suggest" in r.text for r in replies):
            break
        offer = choice(replies)
        if offer is not None:
            make = meta.button_reply if offer.kind == "button" else meta.list_reply
            answer = make(wa_id, offer.reply_ids()[0], offer.reply_titles()[0])
        elif any("0 to 10" in r.text for r in replies):
            answer = meta.text_message(wa_id, "6")
        elif any("own words" in r.text for r in replies):
            answer = meta.text_message(wa_id, "my lower back went into spasm this morning")
        else:
            break
        sent_ids.append(answer["id"])
        replies = cloud_turn(running, wa_id, answer)
        all_replies += replies

    assert all_replies, "no reply reached the Graph API"
    assert all(r.accepted for r in all_replies), [r.payload for r in all_replies
                                                  if not r.accepted]
    assert any(r.kind in ("button", "list") for r in all_replies), "no interactive message"
    assert any(r.kind == "image" for r in all_replies), "the test pictures were not sent"
    assert any("answers suggest" in r.text for r in all_replies), "no summary: " + " | ".join(
        r.text for r in all_replies[-4:])
    slots = running.tracker("+" + wa_id)["slots"]
    assert slots["test_forward_lean"] == "pain" and slots["test_pelvic_tilt"] == "pain"
    assert slots["urgency"] == "routine"
    user_events = running.user_events("+" + wa_id)
    assert [e["message_id"] for e in user_events] == sent_ids
    assert {e["input_channel"] for e in user_events} == {"whatsapp"}
    assert all(e.get("metadata", {}).get("channel") == "whatsapp" for e in user_events)


def test_a_redelivered_webhook_is_handled_once(running: Running) -> None:
    wa_id = new_wa_id()
    message = meta.text_message(wa_id, "hi")
    cloud_turn(running, wa_id, message)
    replies_before = len(running.graph.delivered(wa_id))
    for _ in range(2):
        deliver_cloud(running, meta.messages_webhook(message))
    time.sleep(3)
    assert len(running.user_events("+" + wa_id)) == 1
    assert len(running.graph.delivered(wa_id)) == replies_before


def test_a_forged_webhook_is_refused(running: Running) -> None:
    wa_id = new_wa_id()
    body, headers = meta.signed(meta.messages_webhook(meta.text_message(wa_id, "hi")), "guess")
    reply = requests.post(f"{running.base_url}/webhooks/whatsapp/webhook", data=body,
                          headers=headers, timeout=30)
    assert reply.status_code == 403
    time.sleep(1)
    assert running.user_events("+" + wa_id) == []


def test_media_is_answered_without_rasa(running: Running) -> None:
    wa_id = new_wa_id()
    deliver_cloud(running, meta.messages_webhook(meta.media_message(wa_id, "audio")))
    [polite] = running.graph.wait_for(1, to=wa_id)
    assert polite.kind == "text"
    assert running.user_events("+" + wa_id) == []


def test_front_desk_reply_reaches_the_latest_channel(running: Running) -> None:
    wa_id = new_wa_id()
    cloud_turn(running, wa_id, meta.text_message(wa_id, "hi"))
    before = len(running.graph.delivered(wa_id))
    staff = {"event": "bot", "text": None,
             "data": {"custom": {"kind": "staff_reply", "text": "Hello from the desk",
                                 "author": "Sam (front desk)"}},
             "metadata": {"from_staff": True}}
    reply = requests.post(
        f"{running.base_url}/conversations/{path_id('+' + wa_id)}/tracker/events",
        params={"token": running.token, "output_channel": "latest",
                "execute_side_effects": "true"}, json=staff, timeout=30)
    assert reply.status_code == 200, reply.text
    sent = running.graph.wait_for(before + 1, to=wa_id)[before:]
    assert [r.text for r in sent] == ["Sam (front desk): Hello from the desk"]


def test_a_conversation_over_twilio(running: Running) -> None:
    visitor = "whatsapp:+" + new_wa_id()
    url = f"{running.base_url}/webhooks/twilio_whatsapp/webhook"

    def say(text: str) -> List[str]:
        before = len(running.twilio.requests)
        form = twilio.inbound_form(visitor, text, to=TWILIO_NUMBER,
                                   account_sid=running.twilio.account_sid)
        body, headers = twilio.signed(url, form, running.twilio.auth_token)
        reply = requests.post(url, data=body, headers=headers, timeout=30)
        assert reply.status_code == 200 and "<Response" in reply.text
        running.wait_for_turn(visitor, form["MessageSid"])
        return [r.body for r in running.twilio.requests[before:] if r.to == visitor]

    bodies = say("hi")
    assert bodies, "no reply reached the Messages API"
    numbered = [b for b in bodies if "\n1. " in b or b.startswith("1. ")]
    assert numbered, "the buttons were not shown as numbered options"
    say("1")
    user_events = running.user_events(visitor)
    assert [e["input_channel"] for e in user_events] == ["twilio_whatsapp"] * 2
    assert user_events[0]["text"] == "hi"
    assert user_events[1]["text"].startswith("/")  # "1" was mapped to the first payload
    assert all(r.accepted for r in running.twilio.requests if r.to == visitor)
