"""The Cloud API channel's blueprint on a real Sanic server, with a fake Rasa and the Graph
API stand-in: what Meta's deliveries lead to, and what reaches the Graph API."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, AsyncIterator, Dict, Optional, Tuple

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy.exc import OperationalError

from channels import texts
from channels.channel_store import AsyncChannelState
from channels.graph_api import GraphApiClient, GraphApiConfig
from channels.retrying_sender import RetryPolicy
from channels.whatsapp_cloud_channel import WhatsAppCloudInput, WhatsAppCloudSettings
from tests.standins import graph_api as meta
from tests.standins.graph_api import GraphApiStandin
from tests.unit.channels.conftest import FakeRasa, RecordingSleep, serving

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
WA_ID = "27821234567"
VISITOR = "+" + WA_ID
GREETING = {"text": "Hi! What's going on with your back?",
            "buttons": [{"title": "Check my back", "payload": "/check_my_back"},
                        {"title": "Book an assessment", "payload": "/book_appointment"},
                        {"title": "Talk to a person", "payload": "/human_handoff"}]}


def make_channel(state: AsyncChannelState, graph_api: GraphApiStandin, sleep: RecordingSleep,
                 **settings: Any) -> WhatsAppCloudInput:
    config = WhatsAppCloudSettings(
        access_token=graph_api.access_token, phone_number_id=graph_api.phone_number_id,
        app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,
        graph_api_base_url=graph_api.base_url, **settings)
    client = GraphApiClient(GraphApiConfig(
        access_token=config.access_token, phone_number_id=config.phone_number_id,
        api_version=config.api_version, base_url=config.graph_api_base_url),
        RetryPolicy(max_attempts=4, base_delay_s=0.5, max_delay_s=4.0), sleep=sleep)
    return WhatsAppCloudInput(config, state=state, client=client)


class Meta:
    """Posts to the channel as Meta does, and waits for the channel to finish its turns."""

    def __init__(self, url: str, channel: WhatsAppCloudInput,
                 session: aiohttp.ClientSession) -> None:
        self.url = url
        self.channel = channel
        self.session = session

    async def deliver(self, payload: Dict[str, Any], secret: str = APP_SECRET,
                      headers: Optional[Dict[str, str]] = None, wait: bool = True
                      ) -> Tuple[int, str]:
        body, signed_headers = meta.signed(payload, secret)
        return await self.post(body, {**signed_headers, **(headers or {})}, wait)

    async def post(self, body: bytes, headers: Dict[str, str], wait: bool = True
                   ) -> Tuple[int, str]:
        async with self.session.post(self.url + "/webhook", data=body, headers=headers) as reply:
            result = reply.status, await reply.text()
        if wait:
            assert await self.channel.wait_idle(10)
        return result


@pytest_asyncio.fixture
async def cloud(channel_state: AsyncChannelState, graph_api: GraphApiStandin,
                fake_rasa: FakeRasa, recording_sleep: RecordingSleep) -> AsyncIterator[Meta]:
    channel = make_channel(channel_state, graph_api, recording_sleep)
    async with serving(channel, fake_rasa) as url, aiohttp.ClientSession() as session:
        yield Meta(url, channel, session)


# --- verification handshake and health ---------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize(("params", "status", "body"), [
    ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
     200, "1158201444"),
    ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"}, 403, None),
    ({"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
     403, None),
    ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}, 403, None),
    ({"hub.mode": "subscribe", "hub.challenge": "1"}, 403, None),
    ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "9" * 300},
     403, None),
    ({}, 403, None),
])
async def test_verification_handshake(cloud: Meta, params: Dict[str, str], status: int,
                                      body: Optional[str]) -> None:
    async with cloud.session.get(cloud.url + "/webhook", params=params) as reply:
        assert reply.status == status
        if body is not None:
            assert await reply.text() == body


@pytest.mark.asyncio
async def test_health(cloud: Meta) -> None:
    async with cloud.session.get(cloud.url + "/") as reply:
        assert reply.status == 200 and await reply.json() == {"status": "ok"}


# --- inbound messages ---------------------------------------------------------------------

@pytest.mark.asyncio
async def test_text_reaches_rasa_and_the_reply_reaches_whatsapp(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin,
        channel_state: AsyncChannelState) -> None:
    fake_rasa.replies = [GREETING]
    inbound = meta.text_message(WA_ID, "hi")
    status, body = await cloud.deliver(meta.messages_webhook(inbound))
    assert (status, json.loads(body)) == (200, {"status": "received"})
    [message] = fake_rasa.messages
    assert (message.text, message.sender_id, message.input_channel, message.message_id,
            message.metadata) == ("hi", VISITOR, "whatsapp", inbound["id"],
                                  {"channel": "whatsapp"})
    [sent] = graph_api.delivered(WA_ID)
    assert sent.kind == "button"
    assert sent.reply_ids() == ["/check_my_back", "/book_appointment", "/human_handoff"]
    contact = channel_state.state.last_inbound(VISITOR)
    assert contact is not None and contact.channel == "whatsapp"


@pytest.mark.asyncio
async def test_the_webhook_is_answered_before_the_turn_ends(cloud: Meta,
                                                            fake_rasa: FakeRasa) -> None:
    fake_rasa.gate = asyncio.Event()  # the turn cannot finish until released
    status, _ = await asyncio.wait_for(cloud.deliver(
        meta.messages_webhook(meta.text_message(WA_ID, "hi")), wait=False), timeout=5)
    assert status == 200
    assert fake_rasa.messages == [] and len(cloud.channel.tasks) == 1
    fake_rasa.gate.set()
    assert await cloud.channel.wait_idle(5)
    assert fake_rasa.texts == ["hi"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("message", "payload"), [
    (meta.button_reply(WA_ID, "/check_my_back", "Check my back"), "/check_my_back"),
    (meta.list_reply(WA_ID, '/describe_pain{"side": "left"}', "Left side"),
     '/describe_pain{"side": "left"}'),
])
async def test_taps_come_back_as_their_payloads(cloud: Meta, fake_rasa: FakeRasa,
                                                message: Dict[str, Any], payload: str) -> None:
    await cloud.deliver(meta.messages_webhook(message))
    assert fake_rasa.texts == [payload]


@pytest.mark.asyncio
async def test_a_typed_answer_to_a_list_maps_to_its_payload_once(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin) -> None:
    fake_rasa.replies = [{"text": "Where is it worst?", "buttons": [
        {"title": f"Place {n}", "payload": f"/place{n}"} for n in range(1, 5)]}]
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "it hurts")))
    assert graph_api.delivered(WA_ID)[-1].kind == "list"
    fake_rasa.replies = [{"text": "How bad is it, 0 to 10?"}]
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "place 2")))
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "2")))
    assert fake_rasa.texts == ["it hurts", "/place2", "2"]  # the offer was answered once


@pytest.mark.asyncio
async def test_messages_of_one_visitor_are_handled_in_order(cloud: Meta,
                                                            fake_rasa: FakeRasa) -> None:
    fake_rasa.delay_s = 0.05
    await cloud.deliver(meta.messages_webhook(*[meta.text_message(WA_ID, f"message {n}")
                                                for n in range(5)]))
    assert fake_rasa.texts == [f"message {n}" for n in range(5)]


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["image", "audio", "video", "document", "sticker", "location"])
async def test_media_is_answered_politely_without_rasa(cloud: Meta, fake_rasa: FakeRasa,
                                                       graph_api: GraphApiStandin,
                                                       kind: str) -> None:
    status, _ = await cloud.deliver(meta.messages_webhook(meta.media_message(WA_ID, kind)))
    assert status == 200
    assert fake_rasa.messages == []
    [sent] = graph_api.delivered(WA_ID)
    assert sent.kind == "text" and sent.text == texts.MEDIA_NOT_SUPPORTED


@pytest.mark.asyncio
async def test_an_image_caption_is_still_read(cloud: Meta, fake_rasa: FakeRasa,
                                              graph_api: GraphApiStandin) -> None:
    captioned = meta.message(WA_ID, "image", {"id": "m1", "caption": "this is where it hurts"})
    await cloud.deliver(meta.messages_webhook(captioned))
    assert graph_api.delivered(WA_ID)[0].text == texts.MEDIA_NOT_SUPPORTED
    assert fake_rasa.texts == ["this is where it hurts"]


@pytest.mark.asyncio
async def test_reactions_are_ignored(cloud: Meta, fake_rasa: FakeRasa,
                                     graph_api: GraphApiStandin) -> None:
    reaction = meta.message(WA_ID, "reaction", {"message_id": "wamid.x", "emoji": "👍"})
    assert (await cloud.deliver(meta.messages_webhook(reaction)))[0] == 200
    assert fake_rasa.messages == [] and graph_api.requests == []


@pytest.mark.asyncio
async def test_status_callbacks_are_ignored(cloud: Meta, fake_rasa: FakeRasa,
                                            graph_api: GraphApiStandin,
                                            channel_state: AsyncChannelState) -> None:
    for status in ("sent", "delivered", "read"):
        assert (await cloud.deliver(meta.statuses_webhook(WA_ID, status)))[0] == 200
    assert fake_rasa.messages == [] and graph_api.requests == []
    assert channel_state.state.delivery_failures(VISITOR) == []


@pytest.mark.asyncio
async def test_a_failed_status_is_recorded_once(cloud: Meta, fake_rasa: FakeRasa,
                                                channel_state: AsyncChannelState) -> None:
    webhook = meta.statuses_webhook(WA_ID, "failed", error_code=131047)
    for _ in range(2):
        assert (await cloud.deliver(webhook))[0] == 200
    assert fake_rasa.messages == []
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert failure.channel == "whatsapp" and "131047" in failure.error


@pytest.mark.asyncio
async def test_messages_for_another_business_number_are_ignored(cloud: Meta,
                                                                fake_rasa: FakeRasa) -> None:
    other = meta.messages_webhook(meta.text_message(WA_ID, "hi"), phone_number_id="999")
    assert (await cloud.deliver(other))[0] == 200
    assert fake_rasa.messages == []


# --- refusals: nothing is processed --------------------------------------------------------

async def assert_nothing_processed(fake_rasa: FakeRasa, graph_api: GraphApiStandin,
                                   state: AsyncChannelState, message_id: str) -> None:
    assert fake_rasa.messages == []
    assert graph_api.requests == []
    assert await state.claim_message("whatsapp", message_id) is True  # never claimed
    assert state.state.last_inbound(VISITOR) is None


@pytest.mark.asyncio
@pytest.mark.parametrize(("case", "tamper", "status"), [
    ("missing signature", lambda body, headers: (body, {"Content-Type": "application/json"}),
     401),
    ("empty signature", lambda body, headers: (body, {**headers, "X-Hub-Signature-256": ""}),
     401),
    ("forged: signed with another secret",
     lambda body, headers: (body, {**headers, **meta.signed(json.loads(body), "guess")[1]}), 403),
    ("body altered after signing",
     lambda body, headers: (body.replace(b"hi", b"ho"), headers), 403),
    ("garbage signature",
     lambda body, headers: (body, {**headers, "X-Hub-Signature-256": "sha256=deadbeef"}), 403),
])
async def test_unsigned_or_forged_deliveries_are_refused(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin,
        channel_state: AsyncChannelState, case: str, tamper: Any, status: int) -> None:
    inbound = meta.text_message(WA_ID, "hi")
    body, headers = meta.signed(meta.messages_webhook(inbound), APP_SECRET)
    body, headers = tamper(body, headers)
    got, _ = await cloud.post(body, headers)
    assert got == status, case
    await assert_nothing_processed(fake_rasa, graph_api, channel_state, inbound["id"])


@pytest.mark.asyncio
async def test_oversized_body_is_refused_unread(cloud: Meta, fake_rasa: FakeRasa,
                                                graph_api: GraphApiStandin,
                                                channel_state: AsyncChannelState) -> None:
    inbound = meta.text_message(WA_ID, "x" * (300 * 1024))
    status, _ = await cloud.deliver(meta.messages_webhook(inbound))
    assert status == 413
    await assert_nothing_processed(fake_rasa, graph_api, channel_state, inbound["id"])


@pytest.mark.asyncio
async def test_oversized_chunked_body_is_refused(cloud: Meta, fake_rasa: FakeRasa,
                                                 graph_api: GraphApiStandin) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 10_000

    headers = {"X-Hub-Signature-256": "sha256=" + "0" * 64, "Content-Type": "application/json"}
    async with cloud.session.post(cloud.url + "/webhook", data=chunks(),
                                  headers=headers) as reply:
        assert reply.status == 413
    assert fake_rasa.messages == [] and graph_api.requests == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400), (b"\xff\xfe", 400), (b"[1, 2]", 400), (b'"text"', 400)])
async def test_malformed_json_is_refused(cloud: Meta, fake_rasa: FakeRasa, body: bytes,
                                         status: int) -> None:
    headers = {"Content-Type": "application/json",
               "X-Hub-Signature-256": meta.hub_signature(APP_SECRET, body)}
    assert (await cloud.post(body, headers))[0] == status
    assert fake_rasa.messages == []


# --- at most once ---------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_the_same_webhook_three_times_is_answered_once(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    webhook = meta.messages_webhook(meta.text_message(WA_ID, "hi"))
    statuses = [(await cloud.deliver(webhook))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert fake_rasa.texts == ["hi"]
    assert len(graph_api.delivered(WA_ID)) == 1


@pytest.mark.asyncio
async def test_concurrent_redeliveries_are_answered_once(cloud: Meta, fake_rasa: FakeRasa
                                                         ) -> None:
    webhook = meta.messages_webhook(meta.text_message(WA_ID, "hi"))
    results = await asyncio.gather(*[cloud.deliver(webhook, wait=False) for _ in range(5)])
    assert all(status == 200 for status, _ in results)
    assert await cloud.channel.wait_idle(5)
    assert fake_rasa.texts == ["hi"]


@pytest.mark.asyncio
async def test_a_redelivery_after_a_restart_is_not_handled_again(
        channel_state: AsyncChannelState, graph_api: GraphApiStandin,
        recording_sleep: RecordingSleep) -> None:
    webhook = meta.messages_webhook(meta.text_message(WA_ID, "hi"))
    seen = []
    for _ in range(2):  # two server lifetimes on the same database
        rasa = FakeRasa()
        channel = make_channel(AsyncChannelState(channel_state.state), graph_api,
                               recording_sleep)
        async with serving(channel, rasa) as url, aiohttp.ClientSession() as session:
            await Meta(url, channel, session).deliver(webhook)
        seen.append(rasa.texts)
    assert seen == [["hi"], []]


@pytest.mark.asyncio
async def test_a_stale_message_is_not_answered_but_recorded(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin,
        channel_state: AsyncChannelState) -> None:
    """Meta's signature has no timestamp. "Stale" here: older than the 24-hour window (a
    replayed capture or a days-late retry), or an id already handled (the dedupe tests)."""
    old = meta.text_message(WA_ID, "hi", timestamp=int(time.time()) - 25 * 3600)
    assert (await cloud.deliver(meta.messages_webhook(old)))[0] == 200
    assert fake_rasa.messages == [] and graph_api.requests == []
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert "not answered" in failure.error


@pytest.mark.asyncio
async def test_store_unavailable_means_503_and_nothing_processed(
        graph_api: GraphApiStandin, fake_rasa: FakeRasa, channel_state: AsyncChannelState,
        recording_sleep: RecordingSleep) -> None:
    class BrokenStore(AsyncChannelState):
        async def claim_message(self, channel: str, message_id: str) -> bool:
            if message_id.endswith("second"):
                raise OperationalError("INSERT", {}, Exception("database is locked"))
            return await super().claim_message(channel, message_id)

    broken = BrokenStore(channel_state.state)
    channel = make_channel(broken, graph_api, recording_sleep)
    first = meta.text_message(WA_ID, "one", message_id="wamid.first")
    second = meta.text_message(WA_ID, "two", message_id="wamid.second")
    async with serving(channel, fake_rasa) as url, aiohttp.ClientSession() as session:
        status, _ = await Meta(url, channel, session).deliver(meta.messages_webhook(first,
                                                                                    second))
    assert status == 503
    assert fake_rasa.messages == []
    assert await channel_state.claim_message("whatsapp", "wamid.first") is True  # undone


# --- sending ------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_500_twice_then_200_gets_the_reply_through(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin,
        recording_sleep: RecordingSleep, channel_state: AsyncChannelState) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    graph_api.script.fail_next(500, times=2)
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "hi")))
    assert [r.status for r in graph_api.requests] == [500, 500, 200]
    assert graph_api.delivered(WA_ID)[0].text == "Hello!"
    assert len(recording_sleep.delays) == 2 and recording_sleep.delays[1] > 0
    assert channel_state.state.delivery_failures(VISITOR) == []


@pytest.mark.asyncio
async def test_429_with_retry_after_is_waited_for(cloud: Meta, fake_rasa: FakeRasa,
                                                  graph_api: GraphApiStandin,
                                                  recording_sleep: RecordingSleep) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    graph_api.script.fail_next(429, retry_after="3")
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "hi")))
    assert recording_sleep.delays == [3.0]
    assert len(graph_api.delivered(WA_ID)) == 1


@pytest.mark.asyncio
async def test_a_graph_api_that_always_fails_records_a_delivery_failure(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin,
        channel_state: AsyncChannelState, caplog: pytest.LogCaptureFixture) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    graph_api.script.always_fail(503)
    with caplog.at_level(logging.ERROR, logger="channels"):
        await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "hi")))
    assert len(graph_api.requests) == 4  # the policy's max_attempts
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert failure.channel == "whatsapp"
    assert "after 4 attempt(s)" in failure.error and "HTTP 503" in failure.error
    assert fake_rasa.texts == ["hi"]  # the turn itself went through (saved by Rasa)
    assert any(r.getMessage().startswith("whatsapp.send.failed") for r in caplog.records)


@pytest.mark.asyncio
async def test_a_permanent_error_is_not_retried(cloud: Meta, fake_rasa: FakeRasa,
                                                graph_api: GraphApiStandin,
                                                channel_state: AsyncChannelState) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    graph_api.script.fail_next(400, code=131047)  # re-engagement: the 24-hour window closed
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "hi")))
    assert len(graph_api.requests) == 1
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert "131047" in failure.error


@pytest.mark.asyncio
async def test_a_failed_turn_is_recorded_and_the_visitor_told(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin,
        channel_state: AsyncChannelState) -> None:
    fake_rasa.fail_with = RuntimeError("boom")
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "hi")))
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert "turn failed (RuntimeError@" in failure.error
    assert graph_api.delivered(WA_ID)[-1].text == texts.TURN_FAILED


@pytest.mark.asyncio
@pytest.mark.parametrize(("count", "kind"), [(1, "button"), (3, "button"), (4, "list"),
                                             (10, "list"), (11, "text")])
async def test_buttons_are_rendered_by_count(cloud: Meta, fake_rasa: FakeRasa,
                                             graph_api: GraphApiStandin, count: int,
                                             kind: str) -> None:
    fake_rasa.replies = [{"text": "Choose", "buttons": [
        {"title": f"A rather long option title {n}", "payload": f"/opt{n}"}
        for n in range(count)]}]
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "hi")))
    [sent] = graph_api.delivered(WA_ID)  # the stand-in checked the documented limits
    assert sent.kind == kind
    if kind != "text":
        assert sent.reply_ids() == [f"/opt{n}" for n in range(count)]
        assert len(set(sent.reply_titles())) == count


@pytest.mark.asyncio
async def test_output_channel_for_the_http_api(cloud: Meta, graph_api: GraphApiStandin) -> None:
    """What Rasa's HTTP API uses for `output_channel=latest` (front-desk replies)."""
    output = cloud.channel.get_output_channel()
    await output.send_response(VISITOR, {"custom": {
        "kind": "staff_reply", "text": "Hi, this is Sam.", "author": "Sam (front desk)"}})
    await output.send_response(VISITOR, {"custom": {"kind": "booking_update",
                                                    "text": "Your booking is confirmed."}})
    await output.send_response(VISITOR, {"custom": {"kind": "unknown", "text": "raw"}})
    await output.send_response(VISITOR, {"image": "https://clinic.example/images/a.png"})
    await output.send_response(VISITOR, {"image": "https://clinic.example/images/tests/x.svg"})
    sent = graph_api.delivered(WA_ID)
    assert [(s.kind, s.text) for s in sent[:2]] == [
        ("text", "Sam (front desk): Hi, this is Sam."), ("text", "Your booking is confirmed.")]
    assert sent[2].payload["image"] == {"link": "https://clinic.example/images/a.png"}
    assert sent[3].kind == "text" and sent[3].text.endswith("x.svg")
    assert len(sent) == 4  # the unknown custom payload was not shown


@pytest.mark.asyncio
async def test_a_long_reply_is_split(cloud: Meta, fake_rasa: FakeRasa,
                                     graph_api: GraphApiStandin) -> None:
    paragraph = "Gentle movement helps most back spasms settle. " * 50
    fake_rasa.replies = [{"text": (paragraph.strip() + "\n\n") * 4}]
    await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, "tell me more")))
    sent = graph_api.delivered(WA_ID)
    assert [s.text for s in sent] == [paragraph.strip()] * 4  # at paragraph boundaries


# --- privacy --------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_logs_never_show_the_number_or_the_text(
        cloud: Meta, fake_rasa: FakeRasa, graph_api: GraphApiStandin,
        caplog: pytest.LogCaptureFixture) -> None:
    secret_text = "my saddle area feels numb"
    fake_rasa.replies = [GREETING]
    graph_api.script.fail_next(500)
    with caplog.at_level(logging.DEBUG):
        await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, secret_text)))
        await cloud.deliver(meta.messages_webhook(meta.media_message(WA_ID, "image")))
        await cloud.deliver(meta.statuses_webhook(WA_ID, "failed", error_code=131026))
        graph_api.script.always_fail(500)
        fake_rasa.fail_with = RuntimeError(secret_text)
        await cloud.deliver(meta.messages_webhook(meta.text_message(WA_ID, secret_text)))
    channel_records = [r for r in caplog.records if r.name.startswith("channels")]
    assert any(r.getMessage().startswith("whatsapp.message.received") for r in channel_records)
    assert any("+27*****4567" in r.getMessage() for r in channel_records)
    for record in caplog.records:
        rendered = record.getMessage() + repr(getattr(record, "event_fields", ""))
        assert WA_ID not in rendered, rendered
        assert secret_text not in rendered, rendered
