"""Bad input on every public endpoint, table by table: the REST webhook, the socket.io channel
(the website widget's), the WhatsApp Cloud and Twilio webhooks, the front-desk console's
sign-in page and the website server.

Every input gets a 2xx with a sensible reply (the `too_long` notice for a 20,000-character
message) or a clear 4xx, never a 5xx, never an error dump; and afterwards the server still
answers a normal message. The assistant runs with the production wiring (PostgreSQL tracker
store and clinic database, Redis lock store), both WhatsApp channels configured against local
stand-ins of the Graph and Twilio APIs, the console and the website, once for the module.
Skipped (and says so) when PostgreSQL or Redis cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union
from urllib.parse import urlencode

import pytest
import requests
import yaml

from channels.signatures import HUB_SIGNATURE_HEADER, TWILIO_SIGNATURE_HEADER, hub_signature
from clinic.profile import load_profile
from scripts.services import ROOT
from serving.turn_guard import service_messages
from tests.integration.harness import free_port
from tests.standins import graph_api as meta
from tests.standins import twilio_api as twilio
from tests.standins.graph_api import GraphApiStandin
from tests.standins.runner import LocalServer
from tests.standins.twilio_api import TwilioApiStandin
from tests.support.backends import BackendUnavailable, session_backends
from tests.support.stack import Stack, start_stack
from tests.support.widget_client import WidgetSocket

PROFILE = load_profile()
NOTICES = service_messages()
APP_SECRET = "bad-input-app-secret"
VERIFY_TOKEN = "bad-input-verify"
TWILIO_NUMBER = "whatsapp:+14155238886"
ERROR_DUMP = re.compile(r"Traceback|Exception|Error:|File \"|\bat 0x|sqlalchemy|psycopg2|"
                        r"rasa\.core|site-packages", re.IGNORECASE)
LIMIT_CHARS = 2000  # MAX_MESSAGE_CHARS (serving/turn_guard.py)
LIMIT_BYTES = 256 * 1024  # MAX_REQUEST_BYTES and the channels' max_body_bytes
LONG = "x" * 20_000
BIG = "x" * (LIMIT_BYTES + 10_000)
NORMAL = "my lower back has been sore since yesterday"
Body = Union[bytes, Callable[[str], bytes]]

# Message texts every channel must answer sensibly.
TEXTS: Dict[str, str] = {
    "empty": "",
    "whitespace": "  \n\t  ",
    "control_characters": "\x00\x01\x07\x1b[31m my back \x7f\x08",
    "arabic": "ظهري يؤلمني كثيرا منذ أمس",
    "chinese": "我的腰从昨天开始很痛",
    "isizulu": "Umhlane wami ubuhlungu kakhulu kusukela izolo",
    "afrikaans": "My rug is baie seer sedert gister",
    "emoji": "😭😭 my back 🔥🔥 💀",
    "zero_width_and_rtl": "my\u200b back\u202e hurts\ufeff",
    "html": "<script>alert(1)</script><img src=x onerror=alert(2)> my back hurts",
    "sql": "'; DROP TABLE events; -- my back hurts\" OR 1=1 --",
    "template": "{clinic_name} {{7*7}} ${HOME} %s %(x)s my back",
    "just_under_the_limit": "a" * LIMIT_CHARS,
}
LONG_TEXTS: Dict[str, str] = {"over_the_limit": "a" * (LIMIT_CHARS + 1), "20000": LONG}


@dataclass
class Site:
    stack: Stack
    graph: GraphApiStandin
    twilio: TwilioApiStandin

    @property
    def rasa(self) -> str:
        return self.stack.first.url

    @property
    def console(self) -> str:
        service = self.stack.extra["console"]
        return f"http://{service.host}:{service.port}"

    @property
    def web(self) -> str:
        service = self.stack.extra["web"]
        return f"http://{service.host}:{service.port}"

    @property
    def twilio_url(self) -> str:
        return f"{self.rasa}/webhooks/twilio_whatsapp/webhook"


@pytest.fixture(scope="module")
def site_running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with contextlib.ExitStack() as cleanup:
        try:
            backends = cleanup.enter_context(session_backends("physio_badinput"))
        except BackendUnavailable as error:
            pytest.skip(f"the bad-input tests need PostgreSQL and Redis: {error}")
        graph, twilio_api = GraphApiStandin(), TwilioApiStandin()
        graph_server = LocalServer(graph.app).start_in_thread()
        cleanup.callback(graph_server.stop_thread)
        twilio_server = LocalServer(twilio_api.app).start_in_thread()
        cleanup.callback(twilio_server.stop_thread)
        workdir = tmp_path_factory.mktemp("badinput")
        rasa_port = free_port()
        env = {"WHATSAPP_ACCESS_TOKEN": graph.access_token,
               "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
               "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
               "WHATSAPP_API_VERSION": "v24.0",
               "WHATSAPP_GRAPH_API_BASE_URL": graph_server.base_url,
               "TWILIO_ACCOUNT_SID": twilio_api.account_sid,
               "TWILIO_AUTH_TOKEN": twilio_api.auth_token,
               "TWILIO_WHATSAPP_NUMBER": TWILIO_NUMBER,
               "TWILIO_WEBHOOK_PUBLIC_URL":
                   f"http://127.0.0.1:{rasa_port}/webhooks/twilio_whatsapp/webhook",
               "TWILIO_API_BASE_URL": twilio_server.base_url,
               # Many messages from one test client: the rate limit is not under test here.
               "MESSAGES_PER_MINUTE": "1000"}
        stack = start_stack(workdir, backends, replicas=("a",), extra_env=env,
                            credentials=_credentials(workdir), with_frontdesk=True,
                            rasa_port=rasa_port)
        cleanup.callback(stack.stop)
        yield Site(stack, graph, twilio_api)


def _credentials(workdir: Path) -> Path:
    """credentials.yml plus both WhatsApp channels, from environment variables as in
    production (config/credentials.whatsapp.yml)."""
    merged = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    merged.update(yaml.safe_load((ROOT / "config" / "credentials.whatsapp.yml").read_text()))
    path = workdir / "credentials.yml"
    path.write_text(yaml.safe_dump(merged, sort_keys=False))
    return path


@pytest.fixture
def site(site_running: Site) -> Site:
    """Every test starts with every process running (a test that takes the server down
    fails, and the next one still runs)."""
    site_running.stack.ensure_running()
    return site_running


def visitor() -> str:
    return f"bad-{uuid.uuid4().hex[:10]}"


def rasa_alive(site: Site) -> Optional[str]:
    """None if the Rasa server runs and answers a normal message; else what is wrong."""
    problem = None
    if not site.stack.is_running("rasa-a"):
        child = site.stack.group.children.get("rasa-a")
        problem = f"the Rasa server process exited (code {child.poll() if child else None})"
    else:
        try:
            reply = requests.post(f"{site.rasa}/webhooks/rest/webhook", timeout=60,
                                  json={"sender": visitor(), "message": NORMAL})
            if reply.status_code != 200 or not reply.json():
                problem = f"a normal message got {reply.status_code} {reply.text[:200]}"
        except requests.RequestException as error:
            problem = f"the Rasa server does not answer ({type(error).__name__})"
    if problem is None:
        return None
    return f"{problem}; its log ends:\n{site.stack.log_tail('rasa-a', 12)}"


def post_or_none(url: str, **kwargs: Any) -> Tuple[Optional[requests.Response], str]:
    """The response, or None and why there was none (the server dropped the request)."""
    try:
        return requests.post(url, timeout=60, **kwargs), ""
    except requests.RequestException as error:
        return None, f"no HTTP answer ({type(error).__name__}: the server dropped the request)"


def assert_sensible(texts: List[str], allow: Tuple[str, ...] = ()) -> None:
    """A reply a visitor can read: something said, no error dump, no failure notice."""
    assert texts, "no reply at all"
    for text in texts:
        assert not ERROR_DUMP.search(text), f"internals shown to the visitor: {text!r}"
    failures = {NOTICES["try_again"], NOTICES["action_failed"]} - set(allow)
    assert not failures & set(texts), f"the turn failed: {texts}"


def assert_clear_4xx(reply: requests.Response, *statuses: int) -> None:
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:300])
    if statuses:
        assert reply.status_code in statuses, (reply.status_code, reply.text[:300])
    assert not ERROR_DUMP.search(reply.text), reply.text[:500]


# --- the REST webhook ------------------------------------------------------------------------


def rest_body(message: Any = NORMAL, **extra: Any) -> Callable[[str], bytes]:
    return lambda who: json.dumps({"sender": who, "message": message, **extra}).encode()


REST_REFUSED: Dict[str, Tuple[Body, str]] = {
    # name: (body, content type)
    "empty_body": (b"", "application/json"),
    "not_json": (b"my back hurts", "application/json"),
    "truncated_json": (b'{"sender": "x", "message": "my ba', "application/json"),
    "invalid_utf8_bytes": (lambda who: b'{"sender": "' + who.encode() + b'", "message": '
                           b'"my back \xff\xfe\xc3\x28"}', "application/json"),
    "utf16_body": (lambda who: json.dumps({"sender": who, "message": NORMAL}).encode("utf-16"),
                   "application/json"),
    "list_body": (b'[{"sender": "x", "message": "hi"}]', "application/json"),
    "string_body": (b'"hi"', "application/json"),
    "number_body": (b"5", "application/json"),
    "null_body": (b"null", "application/json"),
    "empty_object": (b"{}", "application/json"),
    "no_message": (lambda who: json.dumps({"sender": who}).encode(), "application/json"),
    "no_sender": (b'{"message": "hi"}', "application/json"),
    "message_number": (rest_body(5), "application/json"),
    "message_list": (rest_body(["my", "back"]), "application/json"),
    "message_object": (rest_body({"text": "hi"}), "application/json"),
    "message_null": (rest_body(None), "application/json"),
    "message_true": (rest_body(True), "application/json"),
    "sender_number": (b'{"sender": 5, "message": "hi"}', "application/json"),
    "sender_empty": (b'{"sender": "", "message": "hi"}', "application/json"),
    "sender_whitespace": (b'{"sender": "  ", "message": "hi"}', "application/json"),
    "sender_too_long": (json.dumps({"sender": "s" * 300, "message": "hi"}).encode(),
                        "application/json"),
    "metadata_number": (rest_body(NORMAL, metadata=5), "application/json"),
    "metadata_list": (rest_body(NORMAL, metadata=[1, 2]), "application/json"),
    "metadata_string": (rest_body(NORMAL, metadata="{}"), "application/json"),
    "deeply_nested": (lambda who: (b'{"sender": "' + who.encode() + b'", "message": "hi", '
                                   b'"metadata": ' + b'{"a":' * 20_000 + b"1" + b"}" * 20_000
                                   + b"}"), "application/json"),
    "form_encoded": (b"sender=x&message=hi", "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("case", list(REST_REFUSED))
def test_rest_refuses_malformed_bodies_with_a_clear_400(site: Site, case: str) -> None:
    body, content_type = REST_REFUSED[case]
    data = body(visitor()) if callable(body) else body
    reply = requests.post(f"{site.rasa}/webhooks/rest/webhook", data=data, timeout=60,
                          headers={"Content-Type": content_type})
    assert_clear_4xx(reply, 400)
    assert rasa_alive(site) is None, rasa_alive(site)


@pytest.mark.parametrize("case", list(TEXTS))
def test_rest_answers_odd_texts_sensibly(site: Site, case: str) -> None:
    who = visitor()
    reply = requests.post(f"{site.rasa}/webhooks/rest/webhook", timeout=60,
                          json={"sender": who, "message": TEXTS[case]})
    assert reply.status_code == 200, (reply.status_code, reply.text[:300])
    texts = [m.get("text") or "" for m in reply.json()]
    assert_sensible(texts)
    assert "<script>" not in " ".join(texts)  # never echoed as markup
    # Recorded as sent, in its own conversation, and the conversation goes on.
    events = site.stack.tracker(who)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [TEXTS[case].strip()]
    assert_sensible([m.get("text") or "" for m in requests.post(
        f"{site.rasa}/webhooks/rest/webhook", json={"sender": who, "message": NORMAL},
        timeout=60).json()])
    assert rasa_alive(site) is None, rasa_alive(site)


@pytest.mark.parametrize("case", list(LONG_TEXTS))
def test_rest_answers_a_long_message_with_the_too_long_notice(site: Site, case: str) -> None:
    who = visitor()
    reply = requests.post(f"{site.rasa}/webhooks/rest/webhook", timeout=60,
                          json={"sender": who, "message": LONG_TEXTS[case]})
    assert reply.status_code == 200, reply.text[:300]
    assert [m.get("text") for m in reply.json()] == [NOTICES["too_long"]]
    assert rasa_alive(site) is None, rasa_alive(site)


def test_rest_refuses_a_body_over_the_limit_with_413(site: Site) -> None:
    reply = requests.post(f"{site.rasa}/webhooks/rest/webhook", timeout=60,
                          json={"sender": visitor(), "message": BIG})
    assert_clear_4xx(reply, 413)
    assert rasa_alive(site) is None, rasa_alive(site)


# Conversation ids (the REST `sender`, the widget's `session_id`) that no channel produces:
# refused (4xx) or answered like any other conversation, never a dead server or silence.
ODD_IDS: Dict[str, str] = {
    "nul_character": "visitor\x00one",
    "control_characters": "visitor\x01\x1b[2J",
    "lone_surrogate": "visitor\udc80",
    "newline": "visitor\nINFO forged log line",
    "path_like": "../../conversations/x/tracker",
    "percent_encoded": "%2e%2e%2F%00",
    "emoji": "visitor-😀",
}


@pytest.mark.parametrize("case", list(ODD_IDS))
def test_rest_odd_conversation_ids_are_refused_or_served(site: Site, case: str) -> None:
    body = json.dumps({"sender": ODD_IDS[case], "message": NORMAL})  # \u escapes: any str
    reply, why = post_or_none(f"{site.rasa}/webhooks/rest/webhook", data=body,
                              headers={"Content-Type": "application/json"})
    problem = rasa_alive(site)
    assert reply is not None and problem is None, (
        f"conversation id {ODD_IDS[case]!r}: {why or 'answered'}; then: {problem or 'alive'}")
    if reply.status_code != 200:
        assert_clear_4xx(reply)
        return
    assert_sensible([m.get("text") or "" for m in reply.json()])


# --- the socket.io channel (the website widget) -----------------------------------------------


def widget_text(text: str) -> Callable[[str], Dict[str, Any]]:
    return lambda sid: {"message": text, "session_id": sid}


def widget_payloads() -> Dict[str, Tuple[Callable[[str], Any], str]]:
    """name: (payload for `user_uttered` given the session id, expectation) where the
    expectation is "reply", "too_long" or "ignored_or_reply" (a malformed event may be
    dropped, as long as nothing breaks)."""
    cases: Dict[str, Tuple[Callable[[str], Any], str]] = {
        f"text_{name}": (widget_text(text), "reply") for name, text in TEXTS.items()}
    cases.update({f"text_{name}": (widget_text(text), "too_long")
                  for name, text in LONG_TEXTS.items()})
    cases.update({
        "message_number": (lambda sid: {"message": 5, "session_id": sid}, "ignored_or_reply"),
        "message_list": (lambda sid: {"message": ["my", "back"], "session_id": sid},
                         "ignored_or_reply"),
        "message_object": (lambda sid: {"message": {"text": "hi"}, "session_id": sid},
                           "ignored_or_reply"),
        "message_null": (lambda sid: {"message": None, "session_id": sid}, "ignored_or_reply"),
        "message_missing": (lambda sid: {"session_id": sid}, "ignored_or_reply"),
        "session_missing": (lambda sid: {"message": NORMAL}, "ignored_or_reply"),
        "session_number": (lambda sid: {"message": NORMAL, "session_id": 12345},
                           "ignored_or_reply"),
        "payload_string": (lambda sid: "my back hurts", "ignored_or_reply"),
        "payload_list": (lambda sid: [NORMAL, sid], "ignored_or_reply"),
        "payload_null": (lambda sid: None, "ignored_or_reply"),
        "metadata_not_json": (lambda sid: {"message": NORMAL, "session_id": sid,
                                           "metadata": "{not json"}, "ignored_or_reply"),
        "metadata_number": (lambda sid: {"message": NORMAL, "session_id": sid, "metadata": 5},
                            "ignored_or_reply"),
        "metadata_list": (lambda sid: {"message": NORMAL, "session_id": sid,
                                       "metadata": [1, 2]}, "ignored_or_reply"),
    })
    return cases


WIDGET_CASES = widget_payloads()


async def widget_turn(site: Site, session_id: str, payload: Callable[[str], Any],
                      wait_s: float) -> Tuple[List[Dict[str, Any]], WidgetSocket]:
    origin = site.stack.first.rasa.env["ALLOWED_ORIGINS"].split()[0]
    widget = await WidgetSocket(site.rasa, origin).connect()
    confirmed = await widget.session(session_id)
    assert confirmed == session_id
    replies = await widget.say(payload(session_id), first_s=wait_s)
    return replies, widget


@pytest.mark.parametrize("case", list(WIDGET_CASES))
def test_the_widget_channel_survives_odd_payloads(site: Site, case: str) -> None:
    payload, expect = WIDGET_CASES[case]

    async def run() -> None:
        session_id = uuid.uuid4().hex
        replies, widget = await widget_turn(site, session_id, payload,
                                            wait_s=30 if expect != "ignored_or_reply" else 4)
        try:
            texts = [r.get("text") or "" for r in replies]
            if expect == "reply":
                assert_sensible(texts)
                assert "<script>" not in " ".join(texts)
            elif expect == "too_long":
                assert texts == [NOTICES["too_long"]], texts
            elif replies:
                assert_sensible(texts, allow=(NOTICES["try_again"],))
            # The same socket still works: a normal message gets a normal reply.
            assert widget.connected, "the server dropped the socket"
            after = await widget.say({"message": NORMAL, "session_id": session_id})
            assert_sensible([r.get("text") or "" for r in after])
        finally:
            await widget.close()

    asyncio.run(run())
    assert rasa_alive(site) is None, rasa_alive(site)


@pytest.mark.parametrize("case", list(ODD_IDS))
def test_the_widget_channel_survives_odd_session_ids(site: Site, case: str) -> None:
    """A session id the server confirms is a conversation it must serve (or the server
    refuses the session: no confirmation); never a dead server, never silence."""
    session_id = ODD_IDS[case]

    async def run() -> Tuple[Any, List[Dict[str, Any]]]:
        origin = site.stack.first.rasa.env["ALLOWED_ORIGINS"].split()[0]
        widget = await WidgetSocket(site.rasa, origin).connect()
        try:
            try:
                confirmed = await widget.session(session_id, timeout_s=10)
            except asyncio.TimeoutError:
                return None, []
            replies = await widget.say({"message": NORMAL, "session_id": confirmed},
                                       first_s=20)
            return confirmed, replies
        finally:
            await widget.close()

    confirmed, replies = asyncio.run(run())
    problem = rasa_alive(site)
    assert problem is None, f"after the session id {session_id!r}: {problem}"
    if confirmed is not None:
        assert_sensible([r.get("text") or "" for r in replies])


SESSION_REQUESTS: Dict[str, Any] = {
    "null": None,
    "string": "let me in",
    "list": ["a", "b"],
    "number": 42,
    "session_id_number": {"session_id": 5},
    "session_id_object": {"session_id": {"a": 1}},
    "session_id_list": {"session_id": ["a"]},
    "session_id_huge": {"session_id": "s" * 100_000},
}


@pytest.mark.parametrize("case", list(SESSION_REQUESTS))
def test_the_widget_channel_survives_odd_session_requests(site: Site, case: str) -> None:
    """An odd `session_request` may be ignored or confirmed; either way the socket and the
    server keep working: a proper session on the same socket is served."""

    async def run() -> List[Dict[str, Any]]:
        origin = site.stack.first.rasa.env["ALLOWED_ORIGINS"].split()[0]
        widget = await WidgetSocket(site.rasa, origin).connect()
        try:
            await widget.emit("session_request", SESSION_REQUESTS[case])
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(widget.confirmations.get(), 3)
            assert widget.connected, "the server dropped the socket"
            session_id = uuid.uuid4().hex
            assert await widget.session(session_id) == session_id
            return await widget.say({"message": NORMAL, "session_id": session_id})
        finally:
            await widget.close()

    assert_sensible([r.get("text") or "" for r in asyncio.run(run())])
    assert rasa_alive(site) is None, rasa_alive(site)


def test_the_widget_channel_survives_a_message_over_the_socket_buffer(site: Site) -> None:
    """A frame larger than the socket.io server accepts: that socket may be dropped, the
    server carries on and a new socket is served."""

    async def run() -> List[Dict[str, Any]]:
        origin = site.stack.first.rasa.env["ALLOWED_ORIGINS"].split()[0]
        widget = await WidgetSocket(site.rasa, origin).connect()
        session_id = uuid.uuid4().hex
        try:
            await widget.session(session_id)
            replies = await widget.say({"message": "x" * 2_000_000, "session_id": session_id},
                                       first_s=10)
            if replies:
                assert [r.get("text") for r in replies] == [NOTICES["too_long"]], replies
        finally:
            await widget.close()
        fresh = await WidgetSocket(site.rasa, origin).connect()
        try:
            await fresh.session(session_id)
            return await fresh.say({"message": NORMAL, "session_id": session_id})
        finally:
            await fresh.close()

    assert_sensible([r.get("text") or "" for r in asyncio.run(run())])
    assert rasa_alive(site) is None, rasa_alive(site)


def test_the_widget_channel_refuses_other_origins(site: Site) -> None:
    async def run() -> Optional[str]:
        widget = WidgetSocket(site.rasa, "https://evil.example")
        try:
            await widget.connect(transport="polling")
        except Exception as error:  # socketio.exceptions.ConnectionError
            return type(error).__name__
        await widget.close()
        return None

    assert asyncio.run(run()) is not None, "a socket from another site was accepted"


def test_a_widget_cannot_join_a_whatsapp_visitors_conversation(site: Site) -> None:
    """The widget chooses its own session id, and the socket.io channel uses it as the
    conversation id as it is: a page that sends a WhatsApp visitor's number ("+27...",
    which is that visitor's conversation id) must not be able to write into that
    conversation, nor receive what is sent to it (a front-desk reply goes to the
    conversation's latest channel)."""
    wa_id = new_wa_id()
    message = meta.text_message(wa_id, "my back went when I lifted the shopping")
    body, headers = meta.signed(meta.messages_webhook(message), APP_SECRET)
    reply = requests.post(f"{site.rasa}/webhooks/whatsapp/webhook", data=body,
                          headers=headers, timeout=30)
    assert reply.status_code == 200
    conversation = "+" + wa_id
    wait_for_user_events(site, conversation, 1)

    async def intrude() -> Tuple[str, List[Dict[str, Any]], List[Dict[str, Any]]]:
        origin = site.stack.first.rasa.env["ALLOWED_ORIGINS"].split()[0]
        widget = await WidgetSocket(site.rasa, origin).connect()
        try:
            confirmed = await widget.session(conversation)
            replies = await widget.say({"message": "what did I tell you about my back?",
                                        "session_id": confirmed}, first_s=10)
            staff = {"event": "bot", "text": None,
                     "data": {"custom": {"kind": "staff_reply", "text": "Hi Thandi, your "
                                         "scan results are in", "author": "Sam (front desk)"}},
                     "metadata": {"from_staff": True}}
            await asyncio.to_thread(
                requests.post,
                f"{site.rasa}/conversations/{conversation}/tracker/events",
                params={"token": site.stack.token, "output_channel": "latest",
                        "execute_side_effects": "true"}, json=staff, timeout=30)
            overheard = await widget.collect(first_s=5, quiet_s=1)
            return confirmed, replies, overheard
        finally:
            await widget.close()

    confirmed, replies, overheard = asyncio.run(intrude())
    events = site.stack.tracker(conversation)["events"]
    written = [e["text"] for e in events if e["event"] == "user"
               and e.get("input_channel") != "whatsapp"]
    problems = []
    if written:
        problems.append(f"the widget wrote into the WhatsApp conversation: {written}")
    if confirmed == conversation:
        problems.append("the widget was confirmed the WhatsApp visitor's conversation")
    # A widget refused that id gets a conversation of its own, which answers like any other.
    if any("not a physiotherapist" not in (r.get("text") or "") for r in replies[:1]):
        problems.append(f"the widget's own conversation did not start afresh: "
                        f"{[r.get('text', '')[:60] for r in replies]}")
    if overheard:
        problems.append(f"the widget received the front desk's reply to the WhatsApp "
                        f"visitor: {overheard}")
    assert not problems, "\n".join(problems)


def user_events(site: Site, conversation: str) -> List[Dict[str, Any]]:
    return [e for e in site.stack.tracker(conversation)["events"] if e["event"] == "user"]


def wait_for_user_events(site: Site, conversation: str, count: int,
                         timeout_s: float = 60) -> List[Dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        events = site.stack.tracker(conversation)["events"]
        users = [e for e in events if e["event"] == "user"]
        done = any(e["event"] == "action" and e.get("name") == "action_listen"
                   for e in events[-3:])
        if len(users) >= count and done:
            return users
        time.sleep(0.2)
    raise AssertionError(f"{conversation}: {count} messages not handled in {timeout_s}s")


# --- the WhatsApp Cloud API webhook ------------------------------------------------------------


def cloud_post(site: Site, body: bytes, signature: Optional[str] = "valid",
               content_type: str = "application/json") -> requests.Response:
    headers = {"Content-Type": content_type}
    if signature == "valid":
        headers[HUB_SIGNATURE_HEADER] = hub_signature(APP_SECRET, body)
    elif signature is not None:
        headers[HUB_SIGNATURE_HEADER] = signature
    return requests.post(f"{site.rasa}/webhooks/whatsapp/webhook", data=body, headers=headers,
                         timeout=30)


def new_wa_id() -> str:
    return "2783" + str(uuid.uuid4().int)[:7]


CLOUD_UNSIGNED: Dict[str, Tuple[Optional[str], int]] = {
    # name: (X-Hub-Signature-256 header, status)
    "no_signature": (None, 401),
    "empty_signature": ("", 401),
    "forged_signature": ("sha256=" + "0" * 64, 403),
    "signed_with_another_secret": ("other", 403),
    "no_prefix": ("bad", 403),
    "sha1_scheme": ("sha1=" + "0" * 40, 403),
}


@pytest.mark.parametrize("case", list(CLOUD_UNSIGNED))
def test_whatsapp_cloud_refuses_unsigned_and_forged_deliveries(site: Site, case: str) -> None:
    header, status = CLOUD_UNSIGNED[case]
    wa_id = new_wa_id()
    body = json.dumps(meta.messages_webhook(meta.text_message(wa_id, NORMAL))).encode()
    if header == "other":
        header = hub_signature("not-the-app-secret", body)
    elif header == "bad":
        header = hub_signature(APP_SECRET, body)[len("sha256="):]
    reply = cloud_post(site, body, signature=header)
    assert_clear_4xx(reply, status)
    time.sleep(1)
    assert user_events(site, "+" + wa_id) == [], "a refused message was handled"
    assert site.graph.delivered(wa_id) == []


CLOUD_BODIES: Dict[str, Tuple[bytes, int]] = {
    "empty": (b"", 400),
    "not_json": (b"hello", 400),
    "invalid_utf8": (b'{"object": "whatsapp_business_account", "x": "\xff\xfe"}', 400),
    "list": (b"[]", 400),
    "string": (b'"hi"', 400),
    "null": (b"null", 400),
    "not_whatsapp": (b'{"object": "page", "entry": []}', 200),
    "entry_not_list": (b'{"object": "whatsapp_business_account", "entry": 5}', 200),
    "changes_garbage": (b'{"object": "whatsapp_business_account", "entry": [{"changes": '
                        b'[5, "x", {"field": "messages", "value": []}]}]}', 200),
}


@pytest.mark.parametrize("case", list(CLOUD_BODIES))
def test_whatsapp_cloud_answers_signed_garbage_clearly(site: Site, case: str) -> None:
    body, status = CLOUD_BODIES[case]
    reply = cloud_post(site, body)
    assert reply.status_code == status, (reply.status_code, reply.text[:300])
    assert not ERROR_DUMP.search(reply.text)
    assert rasa_alive(site) is None, rasa_alive(site)


def test_whatsapp_cloud_refuses_a_body_over_the_limit(site: Site) -> None:
    wa_id = new_wa_id()
    body = json.dumps(meta.messages_webhook(meta.text_message(wa_id, BIG))).encode()
    assert_clear_4xx(cloud_post(site, body), 413)
    assert_clear_4xx(cloud_post(site, body, signature=None), 413)  # before the signature
    assert rasa_alive(site) is None, rasa_alive(site)


def cloud_text(text: str) -> Callable[[str], Dict[str, Any]]:
    return lambda wa: meta.text_message(wa, text)


CLOUD_MESSAGES: Dict[str, Tuple[Callable[[str], Dict[str, Any]], str]] = {
    # name: (message given the visitor's number, expectation: "reply", "too_long", "none")
    **{f"text_{name}": (cloud_text(text), "reply") for name, text in TEXTS.items()
       if text.strip()},
    "text_20000": (lambda wa: meta.text_message(wa, LONG), "too_long"),
    "text_whitespace_only": (lambda wa: meta.text_message(wa, "  \n "), "none"),
    "body_number": (lambda wa: meta.message(wa, "text", {"body": 5}), "reply"),
    "body_list": (lambda wa: meta.message(wa, "text", {"body": ["a"]}), "none"),
    "text_missing": (lambda wa: meta.message(wa, "text", {}), "none"),
    "unknown_type": (lambda wa: meta.message(wa, "order", {"catalog_id": "1"}), "reply"),
    "interactive_garbage": (lambda wa: meta.message(wa, "interactive", {"type": 5}), "reply"),
    "button_reply_markup": (lambda wa: meta.button_reply(wa, "<script>alert(1)</script>"),
                            "reply"),
    "timestamp_garbage": (lambda wa: {**meta.text_message(wa, NORMAL), "timestamp": "soon"},
                          "reply"),
    "sender_not_digits": (lambda wa: meta.text_message("+" + wa + "abc", NORMAL), "none"),
    # Signed, so only Meta could send these; an answer of 5xx would make Meta retry for days.
    "message_id_nul": (lambda wa: meta.text_message(wa, NORMAL, message_id="wamid.\x00x"),
                       "reply"),
}


@pytest.mark.parametrize("case", list(CLOUD_MESSAGES))
def test_whatsapp_cloud_answers_odd_messages_sensibly(site: Site, case: str) -> None:
    make, expect = CLOUD_MESSAGES[case]
    wa_id = new_wa_id()
    message = make(wa_id)
    reply = cloud_post(site, json.dumps(meta.messages_webhook(message)).encode())
    assert reply.status_code == 200, reply.text[:300]
    if expect == "none":  # read and skipped: nothing to answer
        time.sleep(2)
        assert site.graph.delivered(wa_id) == []
        assert rasa_alive(site) is None, rasa_alive(site)
        return
    sent = site.graph.wait_for(1, to=wa_id, timeout_s=30)
    assert sent, "the visitor got no reply at all"
    texts = [r.text for r in sent]
    assert all(r.accepted for r in sent), [r.payload for r in sent]
    if expect == "too_long":
        assert texts == [NOTICES["too_long"]], texts
    else:
        assert_sensible(texts)
    assert rasa_alive(site) is None, rasa_alive(site)


VERIFY_CASES: Dict[str, Tuple[Dict[str, str], int]] = {
    "right_token": ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                     "hub.challenge": "12345"}, 200),
    "wrong_token": ({"hub.mode": "subscribe", "hub.verify_token": "guess",
                     "hub.challenge": "12345"}, 403),
    "no_parameters": ({}, 403),
    "wrong_mode": ({"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN,
                    "hub.challenge": "1"}, 403),
    "challenge_too_long": ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                            "hub.challenge": "9" * 5000}, 403),
    "challenge_markup": ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                          "hub.challenge": "<script>alert(1)</script>"}, 200),
}


@pytest.mark.parametrize("case", list(VERIFY_CASES))
def test_whatsapp_cloud_verification_handshake(site: Site, case: str) -> None:
    params, status = VERIFY_CASES[case]
    reply = requests.get(f"{site.rasa}/webhooks/whatsapp/webhook", params=params, timeout=30)
    assert reply.status_code == status, (reply.status_code, reply.text[:200])
    if status == 200:
        assert reply.text == params["hub.challenge"]
        assert reply.headers["content-type"].startswith("text/plain")  # never rendered


# --- the Twilio webhook -----------------------------------------------------------------------


def twilio_post(site: Site, form: Dict[str, str], signature: Optional[str] = "valid",
                body: Optional[bytes] = None) -> requests.Response:
    data = body if body is not None else urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "valid":
        headers[TWILIO_SIGNATURE_HEADER] = twilio.signed(site.twilio_url, form,
                                                         site.twilio.auth_token)[1][
            TWILIO_SIGNATURE_HEADER]
    elif signature is not None:
        headers[TWILIO_SIGNATURE_HEADER] = signature
    return requests.post(site.twilio_url, data=data, headers=headers, timeout=30)


def twilio_visitor() -> str:
    return "whatsapp:+" + new_wa_id()


TWILIO_UNSIGNED: Dict[str, Tuple[Optional[str], int]] = {
    "no_signature": (None, 401),
    "empty_signature": ("", 401),
    "forged_signature": ("dGhpcyBpcyBub3QgaXQ=", 403),
    "signed_with_another_token": ("other", 403),
}


@pytest.mark.parametrize("case", list(TWILIO_UNSIGNED))
def test_twilio_refuses_unsigned_and_forged_requests(site: Site, case: str) -> None:
    header, status = TWILIO_UNSIGNED[case]
    who = twilio_visitor()
    form = twilio.inbound_form(who, NORMAL, to=TWILIO_NUMBER,
                               account_sid=site.twilio.account_sid)
    if header == "other":
        header = twilio.signed(site.twilio_url, form, "not-the-auth-token")[1][
            TWILIO_SIGNATURE_HEADER]
    reply = twilio_post(site, form, signature=header)
    assert_clear_4xx(reply, status)
    time.sleep(1)
    assert user_events(site, who) == [], "a refused message was handled"
    assert site.twilio.delivered(who) == []


def twilio_text(text: str) -> Callable[[str], Dict[str, str]]:
    return lambda who: twilio.inbound_form(who, text, to=TWILIO_NUMBER)


TWILIO_FORMS: Dict[str, Tuple[Callable[[str], Dict[str, str]], int, str]] = {
    # name: (form given the visitor, status, expectation: "reply", "too_long", "none")
    **{f"text_{name}": (twilio_text(text), 200, "reply") for name, text in TEXTS.items()
       if text.strip()},
    "text_20000": (twilio_text(LONG), 200, "too_long"),
    "no_body": (lambda who: {k: v for k, v in twilio.inbound_form(
        who, NORMAL, to=TWILIO_NUMBER).items() if k != "Body"}, 200, "none"),
    "no_message_sid": (lambda who: {k: v for k, v in twilio.inbound_form(
        who, NORMAL, to=TWILIO_NUMBER).items() if "Sid" not in k or k == "AccountSid"},
        400, "none"),
    "no_from": (lambda who: {k: v for k, v in twilio.inbound_form(
        who, NORMAL, to=TWILIO_NUMBER).items() if k != "From"}, 400, "none"),
    "from_not_whatsapp": (lambda who: twilio.inbound_form(who.replace("whatsapp:", ""),
                                                          NORMAL, to=TWILIO_NUMBER), 200,
                          "none"),
    "num_media_garbage": (lambda who: {**twilio.inbound_form(who, NORMAL, to=TWILIO_NUMBER),
                                       "NumMedia": "many"}, 200, "reply"),
    "status_callback_garbage": (lambda who: {"MessageStatus": "exploded", "To": who,
                                             "MessageSid": "SMx"}, 200, "none"),
    # Signed, so only Twilio could send it; a 5xx would make Twilio retry.
    "message_sid_nul": (lambda who: twilio.inbound_form(who, NORMAL, to=TWILIO_NUMBER,
                                                        message_sid="SM\x00x"), 200, "reply"),
}


@pytest.mark.parametrize("case", list(TWILIO_FORMS))
def test_twilio_answers_odd_requests_clearly(site: Site, case: str) -> None:
    make, status, expect = TWILIO_FORMS[case]
    who = twilio_visitor()
    form = make(who)
    reply = twilio_post(site, form)
    assert reply.status_code == status, (reply.status_code, reply.text[:300])
    assert not ERROR_DUMP.search(reply.text)
    if expect == "none":
        assert rasa_alive(site) is None, rasa_alive(site)
        return
    sent = site.twilio.wait_for(1, to=who, timeout_s=30)
    assert sent, "the visitor got no reply at all"
    bodies = [r.body for r in sent]
    if expect == "too_long":
        assert bodies == [NOTICES["too_long"]], bodies
    else:
        assert_sensible(bodies)
    assert rasa_alive(site) is None, rasa_alive(site)


TWILIO_RAW: Dict[str, Tuple[bytes, int]] = {
    "invalid_utf8": (b"From=whatsapp%3A%2B27820000000&Body=\xff\xfe&MessageSid=SM1", 400),
    "over_the_limit": (b"Body=" + b"x" * (LIMIT_BYTES + 10), 413),
}


@pytest.mark.parametrize("case", list(TWILIO_RAW))
def test_twilio_refuses_unreadable_bodies(site: Site, case: str) -> None:
    body, status = TWILIO_RAW[case]
    reply = twilio_post(site, {}, signature="anything", body=body)
    assert_clear_4xx(reply, status)
    assert rasa_alive(site) is None, rasa_alive(site)


# --- the front-desk console's sign-in page ------------------------------------------------------


def console_login_form(site: Site) -> Tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{site.console}/login", timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return session, token.group(1)


LOGIN_PAGES: Dict[str, str] = {
    "plain": "/login",
    "next_elsewhere": "/login?next=https://evil.example/",
    "next_protocol_relative": "/login?next=//evil.example",
    "next_markup": "/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    "next_nul": "/login?next=/%00",
    "next_long": "/login?next=/" + "a" * 5000,
    "notice_garbage": "/login?notice=%ff%fe",
    "invalid_utf8_query": "/login?x=%C3%28",
}


@pytest.mark.parametrize("case", list(LOGIN_PAGES))
def test_the_console_login_page_survives_odd_queries(site: Site, case: str) -> None:
    reply = requests.get(site.console + LOGIN_PAGES[case], timeout=30, allow_redirects=False)
    assert reply.status_code < 500, (reply.status_code, reply.text[:300])
    assert "<script>alert(1)" not in reply.text
    assert "evil.example" not in reply.text
    assert not ERROR_DUMP.search(reply.text)
    assert requests.get(f"{site.console}/login", timeout=30).status_code == 200


LOGINS: Dict[str, Tuple[Callable[[str], Any], str, Tuple[int, ...]]] = {
    # name: (body given the CSRF token, content type, acceptable statuses)
    "empty_body": (lambda token: b"", "application/x-www-form-urlencoded", (403,)),
    "no_csrf": (lambda token: urlencode({"username": "sam", "password": "x" * 12}),
                "application/x-www-form-urlencoded", (403,)),
    "wrong_csrf": (lambda token: urlencode({"csrf_token": "x" * 40, "username": "sam",
                                            "password": "x" * 12}),
                   "application/x-www-form-urlencoded", (403,)),
    "sql_username": (lambda token: urlencode({"csrf_token": token,
                                              "username": "' OR '1'='1' --",
                                              "password": "' OR '1'='1"}),
                     "application/x-www-form-urlencoded", (401, 429)),
    "unicode_username": (lambda token: urlencode({"csrf_token": token, "username": "ثندي😀",
                                                  "password": "x" * 12}),
                         "application/x-www-form-urlencoded", (401, 429)),
    "nul_username": (lambda token: urlencode({"csrf_token": token, "username": "sam\x00",
                                              "password": "x\x00" * 6}),
                     "application/x-www-form-urlencoded", (401, 429)),
    "long_password": (lambda token: urlencode({"csrf_token": token, "username": "sam",
                                               "password": "p" * 20_000}),
                      "application/x-www-form-urlencoded", (401, 429)),
    "invalid_utf8": (lambda token: b"csrf_token=" + token.encode() + b"&username=\xff\xfe"
                     b"&password=\xc3\x28", "application/x-www-form-urlencoded",
                     (400, 401, 403, 429)),
    "json_body": (lambda token: json.dumps({"csrf_token": token, "username": "sam",
                                            "password": "x"}),
                  "application/json", (403,)),
    "multipart_garbage": (lambda token: b"--x\r\nContent-Disposition: form-data\r\n\r\n",
                          "multipart/form-data; boundary=x", (400, 403)),
    "over_the_limit": (lambda token: urlencode({"csrf_token": token, "username": "sam",
                                                "password": "x" * (70 * 1024)}),
                       "application/x-www-form-urlencoded", (413,)),
}


@pytest.mark.parametrize("case", list(LOGINS))
def test_the_console_login_refuses_odd_submissions_clearly(site: Site, case: str) -> None:
    make, content_type, statuses = LOGINS[case]
    session, token = console_login_form(site)
    reply = session.post(f"{site.console}/login", data=make(token), timeout=60,
                         headers={"Content-Type": content_type}, allow_redirects=False)
    assert reply.status_code in statuses, (reply.status_code, reply.text[:300])
    assert not ERROR_DUMP.search(reply.text)
    assert "fd_session" not in reply.headers.get("set-cookie", "")  # never signed in
    assert requests.get(f"{site.console}/health", timeout=30).status_code == 200


# --- the website server --------------------------------------------------------------------------


WEB_PATHS: Dict[str, Tuple[str, str, Tuple[int, ...]]] = {
    # name: (method, raw request target, acceptable statuses)
    "home": ("GET", "/", (200,)),
    "home_markup_query": ("GET", "/?q=%3Cscript%3Ealert(1)%3C/script%3E", (200,)),
    "traversal": ("GET", "/images/../../../../etc/passwd", (400, 403, 404)),
    "encoded_traversal": ("GET", "/images/%2e%2e/%2e%2e/%2e%2e/etc/passwd", (400, 403, 404)),
    "double_encoded": ("GET", "/images/%252e%252e/%252e%252e/etc/passwd", (400, 403, 404)),
    "backslashes": ("GET", "/images/..%5c..%5c..%5cetc%5cpasswd", (400, 403, 404)),
    "nul_in_path": ("GET", "/images/tests/forward_lean.png%00.html", (400, 403, 404)),
    "invalid_utf8_path": ("GET", "/images/%ff%fe", (400, 404)),
    # Sanic drops a request line that is not UTF-8 without an answer (0): a refusal too.
    "raw_invalid_utf8": ("GET", "/images/\xff\xfe", (0, 400, 404)),
    "very_long_path": ("GET", "/" + "a" * 7000, (400, 404, 414)),
    "unknown_page": ("GET", "/wp-admin/setup.php", (404,)),
    "post_home": ("POST", "/", (405,)),
    "delete_widget": ("DELETE", "/widget/widget.js", (405,)),
    "options_home": ("OPTIONS", "/", (200, 204, 404, 405)),
    "trace": ("TRACE", "/", (400, 405, 501)),
}


@pytest.mark.parametrize("case", list(WEB_PATHS))
def test_the_website_answers_odd_requests_clearly(site: Site, case: str) -> None:
    method, target, statuses = WEB_PATHS[case]
    status, body = raw_http(site.web, method, target)
    assert status in statuses, (status, body[:300])
    assert b"root:" not in body  # /etc/passwd
    assert b"<script>alert(1)" not in body
    assert not ERROR_DUMP.search(body.decode("utf-8", "replace"))
    assert requests.get(f"{site.web}/health", timeout=30).status_code == 200


WEB_HEADERS: Dict[str, Dict[str, str]] = {
    "range_garbage": {"Range": "bytes=99999999-1"},
    "range_many": {"Range": "bytes=" + ",".join(f"{i}-{i}" for i in range(500))},
    "if_modified_garbage": {"If-Modified-Since": "yesterday-ish"},
    "accept_encoding_garbage": {"Accept-Encoding": "br;q=x, *;q=NaN"},
    "host_garbage": {"Host": "\u00ff\u00fe:99999"},
}


@pytest.mark.parametrize("case", list(WEB_HEADERS))
def test_the_website_survives_odd_headers(site: Site, case: str) -> None:
    headers = "".join(f"{k}: {v}\r\n" for k, v in WEB_HEADERS[case].items())
    status, body = raw_http(site.web, "GET", "/widget/widget.js", headers)
    assert status < 500, (status, body[:300])
    assert requests.get(f"{site.web}/health", timeout=30).status_code == 200


def raw_http(base: str, method: str, target: str, extra_headers: str = "",
             body: bytes = b"") -> Tuple[int, bytes]:
    """One HTTP/1.1 request exactly as written (requests would normalise the target)."""
    host, port = base.removeprefix("http://").split(":")
    host_line = "" if "Host:" in extra_headers else f"Host: {host}:{port}\r\n"
    head = (f"{method} {target} HTTP/1.1\r\n{host_line}{extra_headers}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head.encode("latin-1") + body)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    if not response:
        return 0, b""  # the server closed the connection without an answer
    status_line = response.split(b"\r\n", 1)[0].decode("latin-1")
    match = re.match(r"HTTP/1\.[01] (\d{3})", status_line)
    assert match, f"not an HTTP answer: {response[:200]!r}"
    return int(match.group(1)), response.split(b"\r\n\r\n", 1)[-1]
