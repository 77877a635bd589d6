"""The Twilio WhatsApp channel's blueprint on a real Sanic server, with a fake Rasa and the
Messages API stand-in."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Dict, Optional, Tuple

import aiohttp
import pytest
import pytest_asyncio

from channels import texts
from channels.channel_store import AsyncChannelState
from channels.retrying_sender import RetryPolicy
from channels.twilio_api import TwilioApiConfig, TwilioMessagesClient
from channels.twilio_whatsapp_channel import (
    EMPTY_TWIML,
    TwilioWhatsAppInput,
    TwilioWhatsAppSettings,
)
from tests.standins import twilio_api as twilio
from tests.standins.twilio_api import TwilioApiStandin
from tests.unit.channels.conftest import FakeRasa, RecordingSleep, serving

VISITOR = "whatsapp:+27821234567"
BUSINESS = "whatsapp:+14155238886"
QUESTION = {"text": "What does it feel like?", "buttons": [
    {"title": "Pain", "payload": "/describe_pain{\"feeling\": \"pain\"}"},
    {"title": "Tension", "payload": "/describe_pain{\"feeling\": \"tension\"}"},
    {"title": "Not sure", "payload": "/unsure"}]}


def make_channel(state: AsyncChannelState, api: TwilioApiStandin, sleep: RecordingSleep,
                 public_url: Optional[str] = None, trust_proxy: bool = False
                 ) -> TwilioWhatsAppInput:
    settings = TwilioWhatsAppSettings(
        account_sid=api.account_sid, auth_token=api.auth_token, whatsapp_number=BUSINESS,
        public_url=public_url, api_base_url=api.base_url,
        trust_proxy=trust_proxy)
    client = TwilioMessagesClient(TwilioApiConfig(
        account_sid=api.account_sid, auth_token=api.auth_token, from_number=BUSINESS,
        base_url=api.base_url),
        RetryPolicy(max_attempts=4, base_delay_s=0.5, max_delay_s=4.0), sleep=sleep)
    return TwilioWhatsAppInput(settings, state=state, client=client)


class Twilio:
    """Posts to the channel as Twilio does (signed for `signed_url`), then waits for the turn."""

    def __init__(self, url: str, channel: TwilioWhatsAppInput, session: aiohttp.ClientSession,
                 auth_token: str, signed_url: Optional[str] = None) -> None:
        self.url = url + "/webhook"
        self.signed_url = signed_url or self.url
        self.channel = channel
        self.session = session
        self.auth_token = auth_token

    async def deliver(self, form: Dict[str, str], token: Optional[str] = None,
                      headers: Optional[Dict[str, str]] = None, wait: bool = True
                      ) -> Tuple[int, str, str]:
        body, signed_headers = twilio.signed(self.signed_url, form, token or self.auth_token)
        return await self.post(body, {**signed_headers, **(headers or {})}, wait)

    async def post(self, body: bytes, headers: Dict[str, str], wait: bool = True
                   ) -> Tuple[int, str, str]:
        async with self.session.post(self.url, data=body, headers=headers) as reply:
            result = reply.status, await reply.text(), reply.headers.get("Content-Type", "")
        if wait:
            assert await self.channel.wait_idle(10)
        return result

    async def say(self, text: str) -> None:
        status, _, _ = await self.deliver(twilio.inbound_form(VISITOR, text))
        assert status == 200


@pytest_asyncio.fixture
async def tw(channel_state: AsyncChannelState, twilio_api: TwilioApiStandin,
             fake_rasa: FakeRasa, recording_sleep: RecordingSleep) -> AsyncIterator[Twilio]:
    channel = make_channel(channel_state, twilio_api, recording_sleep)
    async with serving(channel, fake_rasa) as url, aiohttp.ClientSession() as session:
        yield Twilio(url, channel, session, twilio_api.auth_token)


@pytest.mark.asyncio
async def test_a_message_is_answered_with_empty_twiml_and_a_reply_through_the_api(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin,
        channel_state: AsyncChannelState) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    form = twilio.inbound_form(VISITOR, "hi")
    status, body, content_type = await tw.deliver(form)
    assert (status, body) == (200, EMPTY_TWIML) and content_type.startswith("text/xml")
    [message] = fake_rasa.messages
    assert (message.text, message.sender_id, message.input_channel, message.message_id,
            message.metadata) == ("hi", VISITOR, "twilio_whatsapp", form["MessageSid"],
                                  {"channel": "twilio_whatsapp"})
    [sent] = twilio_api.delivered(VISITOR)
    assert (sent.get("From"), sent.body) == (BUSINESS, "Hello!")
    assert channel_state.state.last_inbound(VISITOR) is not None


@pytest.mark.asyncio
async def test_health(tw: Twilio) -> None:
    async with tw.session.get(tw.url.rsplit("/", 1)[0] + "/") as reply:
        assert reply.status == 200


@pytest.mark.asyncio
async def test_buttons_become_numbered_options_and_answers_map_back(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin) -> None:
    fake_rasa.replies = [QUESTION]
    await tw.say("my back hurts")
    assert twilio_api.delivered(VISITOR)[-1].body == (
        "What does it feel like?\n\n1. Pain\n2. Tension\n3. Not sure")
    await tw.say("2")
    await tw.say("tension")
    fake_rasa.replies = [{"text": "How bad is it from 0 to 10?"}]
    await tw.say("3")
    await tw.say("3")  # the offer was answered: now it is a pain score
    assert fake_rasa.texts == ["my back hurts", '/describe_pain{"feeling": "tension"}',
                               '/describe_pain{"feeling": "tension"}', "/unsure", "3"]


@pytest.mark.asyncio
async def test_the_offer_survives_a_restart(channel_state: AsyncChannelState,
                                            twilio_api: TwilioApiStandin,
                                            recording_sleep: RecordingSleep) -> None:
    rasa = FakeRasa()
    rasa.replies = [QUESTION]
    for _ in range(2):  # two server lifetimes on the same database
        channel = make_channel(AsyncChannelState(channel_state.state), twilio_api,
                               recording_sleep)
        async with serving(channel, rasa) as url, aiohttp.ClientSession() as session:
            await Twilio(url, channel, session, twilio_api.auth_token).say(
                "hi" if not rasa.messages else "1")
    assert rasa.texts == ["hi", '/describe_pain{"feeling": "pain"}']


@pytest.mark.asyncio
@pytest.mark.parametrize(("case", "form", "replied"), [
    ("photo", twilio.inbound_form(VISITOR, media=[("image/jpeg", "https://api.twilio.com/m/1")]),
     False),
    ("voice note", twilio.inbound_form(VISITOR, media=[("audio/ogg", "https://x/m/2")]), False),
    ("location", twilio.inbound_form(VISITOR, location=(-33.9, 18.4)), False),
    ("sticker", twilio.inbound_form(VISITOR, media=[("image/webp", "https://x/m/3")]), False),
    ("photo with a caption", twilio.inbound_form(VISITOR, "here it hurts",
                                                 media=[("image/jpeg", "https://x/m/4")]), True),
])
async def test_media_is_answered_politely_without_a_500(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin, case: str,
        form: Dict[str, str], replied: bool) -> None:
    status, body, _ = await tw.deliver(dict(form, MessageSid=twilio.new_message_sid()))
    assert (status, body) == (200, EMPTY_TWIML), case
    assert twilio_api.delivered(VISITOR)[0].body == texts.MEDIA_NOT_SUPPORTED
    assert fake_rasa.texts == (["here it hurts"] if replied else [])


@pytest.mark.asyncio
async def test_an_empty_message_is_ignored(tw: Twilio, fake_rasa: FakeRasa,
                                           twilio_api: TwilioApiStandin) -> None:
    assert (await tw.deliver(twilio.inbound_form(VISITOR, "")))[0] == 200
    assert fake_rasa.messages == [] and twilio_api.requests == []


@pytest.mark.asyncio
async def test_a_template_quick_reply_is_its_payload(tw: Twilio, fake_rasa: FakeRasa) -> None:
    await tw.deliver(twilio.inbound_form(VISITOR, "Yes", button_payload="/affirm"))
    assert fake_rasa.texts == ["/affirm"]


@pytest.mark.asyncio
async def test_the_same_message_sid_three_times_is_answered_once(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    form = twilio.inbound_form(VISITOR, "hi")
    results = [await tw.deliver(form) for _ in range(3)]
    assert [(s, b) for s, b, _ in results] == [(200, EMPTY_TWIML)] * 3
    assert fake_rasa.texts == ["hi"] and len(twilio_api.delivered(VISITOR)) == 1


@pytest.mark.asyncio
async def test_concurrent_redeliveries_are_answered_once(tw: Twilio, fake_rasa: FakeRasa
                                                         ) -> None:
    form = twilio.inbound_form(VISITOR, "hi")
    await asyncio.gather(*[tw.deliver(form, wait=False) for _ in range(5)])
    assert await tw.channel.wait_idle(5)
    assert fake_rasa.texts == ["hi"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("case", "tamper", "status"), [
    ("missing signature", lambda body, headers: (body, {
        "Content-Type": "application/x-www-form-urlencoded"}), 401),
    ("signed with another auth token", lambda body, headers: (body, {
        **headers, "X-Twilio-Signature": twilio.signed("http://x", {}, "guess")[1][
            "X-Twilio-Signature"]}), 403),
    ("body altered", lambda body, headers: (body.replace(b"Body=hi", b"Body=ho"), headers), 403),
    ("parameter added", lambda body, headers: (body + b"&Extra=1", headers), 403),
])
async def test_unsigned_or_forged_requests_are_refused(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin,
        channel_state: AsyncChannelState, case: str, tamper: Any, status: int) -> None:
    form = twilio.inbound_form(VISITOR, "hi")
    body, headers = twilio.signed(tw.signed_url, form, tw.auth_token)
    got, _, _ = await tw.post(*tamper(body, headers))
    assert got == status, case
    assert fake_rasa.messages == [] and twilio_api.requests == []
    assert await channel_state.claim_message("twilio_whatsapp", form["MessageSid"]) is True


@pytest.mark.asyncio
async def test_a_replayed_request_is_stale_and_not_handled_again(
        tw: Twilio, fake_rasa: FakeRasa) -> None:
    """Twilio's signature has no timestamp: a captured request stays valid, so "stale" means a
    MessageSid already handled, caught by the persistent claim."""
    form = twilio.inbound_form(VISITOR, "hi")
    body, headers = twilio.signed(tw.signed_url, form, tw.auth_token)
    assert (await tw.post(body, headers))[0] == 200
    assert (await tw.post(body, headers))[0] == 200
    assert fake_rasa.texts == ["hi"]


@pytest.mark.asyncio
async def test_public_url_behind_a_reverse_proxy(
        channel_state: AsyncChannelState, twilio_api: TwilioApiStandin, fake_rasa: FakeRasa,
        recording_sleep: RecordingSleep) -> None:
    public = "https://clinic.example/webhooks/twilio_whatsapp/webhook"
    channel = make_channel(channel_state, twilio_api, recording_sleep, public_url=public)
    async with serving(channel, fake_rasa) as url, aiohttp.ClientSession() as session:
        behind_proxy = Twilio(url, channel, session, twilio_api.auth_token, signed_url=public)
        assert (await behind_proxy.deliver(twilio.inbound_form(VISITOR, "hi")))[0] == 200
        direct = Twilio(url, channel, session, twilio_api.auth_token)  # signed for the local URL
        assert (await direct.deliver(twilio.inbound_form(VISITOR, "hi")))[0] == 403
    assert fake_rasa.texts == ["hi"]


@pytest.mark.asyncio
@pytest.mark.parametrize(("trust_proxy", "status"), [(True, 200), (False, 403)])
async def test_forwarded_headers_only_when_the_proxy_is_trusted(
        channel_state: AsyncChannelState, twilio_api: TwilioApiStandin, fake_rasa: FakeRasa,
        recording_sleep: RecordingSleep, trust_proxy: bool, status: int) -> None:
    channel = make_channel(channel_state, twilio_api, recording_sleep, trust_proxy=trust_proxy)
    public = "https://clinic.example/webhooks/twilio_whatsapp/webhook"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "clinic.example"}
    async with serving(channel, fake_rasa) as url, aiohttp.ClientSession() as session:
        proxied = Twilio(url, channel, session, twilio_api.auth_token, signed_url=public)
        got, _, _ = await proxied.deliver(twilio.inbound_form(VISITOR, "hi"), headers=forwarded)
    assert got == status


@pytest.mark.asyncio
async def test_oversized_body_is_refused(tw: Twilio, fake_rasa: FakeRasa) -> None:
    form = twilio.inbound_form(VISITOR, "x" * (300 * 1024))
    assert (await tw.deliver(form))[0] == 413
    assert fake_rasa.messages == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("form", "status"), [
    ({"From": VISITOR, "Body": "hi"}, 400),  # no MessageSid
    ({"MessageSid": "SM1", "Body": "hi"}, 400),  # no From
])
async def test_incomplete_requests_are_refused(tw: Twilio, fake_rasa: FakeRasa,
                                               form: Dict[str, str], status: int) -> None:
    assert (await tw.deliver(form))[0] == status
    assert fake_rasa.messages == []


@pytest.mark.asyncio
async def test_non_utf8_body_is_refused(tw: Twilio) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": "x"}
    assert (await tw.post(b"Body=\xff\xfe", headers))[0] == 400


@pytest.mark.asyncio
async def test_sms_senders_are_not_handled(tw: Twilio, fake_rasa: FakeRasa) -> None:
    assert (await tw.deliver(twilio.inbound_form("+27821234567", "hi")))[0] == 200
    assert fake_rasa.messages == []


@pytest.mark.asyncio
async def test_status_callbacks_are_ignored_and_failures_recorded_once(
        tw: Twilio, fake_rasa: FakeRasa, channel_state: AsyncChannelState) -> None:
    for status in ("sent", "delivered", "read"):
        assert (await tw.deliver(twilio.status_form(VISITOR, status, "SM" + "9" * 32)))[0] == 200
    assert channel_state.state.delivery_failures(VISITOR) == []
    for _ in range(2):
        await tw.deliver(twilio.status_form(VISITOR, "undelivered", "SM" + "8" * 32))
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert "undelivered" in failure.error and "63016" in failure.error
    assert fake_rasa.messages == []


@pytest.mark.asyncio
async def test_500_twice_then_201_gets_the_reply_through(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin,
        recording_sleep: RecordingSleep, channel_state: AsyncChannelState) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    twilio_api.script.fail_next(500, times=2)
    await tw.say("hi")
    assert [r.status for r in twilio_api.requests] == [500, 500, 201]
    assert len(recording_sleep.delays) == 2
    assert channel_state.state.delivery_failures(VISITOR) == []


@pytest.mark.asyncio
async def test_429_retry_after_is_waited_for(tw: Twilio, fake_rasa: FakeRasa,
                                             twilio_api: TwilioApiStandin,
                                             recording_sleep: RecordingSleep) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    twilio_api.script.fail_next(429, retry_after="2")
    await tw.say("hi")
    assert recording_sleep.delays == [2.0] and len(twilio_api.delivered(VISITOR)) == 1


@pytest.mark.asyncio
async def test_an_api_that_always_fails_records_a_delivery_failure(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin,
        channel_state: AsyncChannelState) -> None:
    fake_rasa.replies = [{"text": "Hello!"}]
    twilio_api.script.always_fail(503)
    await tw.say("hi")
    assert len(twilio_api.requests) == 4
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert failure.channel == "twilio_whatsapp" and "HTTP 503" in failure.error
    assert fake_rasa.texts == ["hi"]


@pytest.mark.asyncio
async def test_a_failed_turn_is_recorded_and_the_visitor_told(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin,
        channel_state: AsyncChannelState) -> None:
    fake_rasa.fail_with = RuntimeError("boom")
    await tw.say("hi")
    [failure] = channel_state.state.delivery_failures(VISITOR)
    assert "turn failed" in failure.error
    assert twilio_api.delivered(VISITOR)[-1].body == texts.TURN_FAILED


@pytest.mark.asyncio
async def test_output_channel_for_the_http_api(tw: Twilio, twilio_api: TwilioApiStandin) -> None:
    output = tw.channel.get_output_channel()
    await output.send_response(VISITOR, {"custom": {
        "kind": "staff_reply", "text": "Hi, this is Sam.", "author": "Sam (front desk)"}})
    await output.send_response(VISITOR, {"custom": {"kind": "handoff_closed",
                                                    "text": "You're back with the assistant."}})
    await output.send_response(VISITOR, {"custom": {"kind": "unknown", "x": 1}})
    await output.send_response(VISITOR, {"image": "https://clinic.example/images/a.png"})
    await output.send_response(VISITOR, {"image": "https://clinic.example/images/tests/x.svg"})
    await output.send_response(VISITOR, {"text": "word " * 700})
    sent = twilio_api.delivered(VISITOR)
    assert [s.body for s in sent[:2]] == ["Sam (front desk): Hi, this is Sam.",
                                          "You're back with the assistant."]
    assert sent[2].get("MediaUrl") == "https://clinic.example/images/a.png"
    assert sent[3].body == "https://clinic.example/images/tests/x.svg"
    assert len(sent) == 7 and all(len(s.body) <= 1600 for s in sent[4:])  # 3500 chars: 3


@pytest.mark.asyncio
async def test_logs_never_show_the_number_or_the_text(
        tw: Twilio, fake_rasa: FakeRasa, twilio_api: TwilioApiStandin,
        caplog: pytest.LogCaptureFixture) -> None:
    secret_text = "I cannot feel my saddle area"
    fake_rasa.replies = [QUESTION]
    twilio_api.script.fail_next(500)
    with caplog.at_level(logging.DEBUG):
        await tw.say(secret_text)
        await tw.deliver(twilio.inbound_form(VISITOR, media=[("image/jpeg", "https://x/1")]))
        await tw.deliver(twilio.status_form(VISITOR, "failed", "SM" + "7" * 32))
        twilio_api.script.always_fail(400, code=21211)
        fake_rasa.fail_with = RuntimeError(secret_text)
        await tw.say(secret_text)
    records = [r for r in caplog.records if r.name.startswith("channels")]
    assert any(r.getMessage().startswith("twilio_whatsapp.message.received") for r in records)
    for record in caplog.records:
        rendered = record.getMessage() + repr(getattr(record, "event_fields", ""))
        assert "27821234567" not in rendered, rendered
        assert secret_text not in rendered, rendered



@pytest.mark.asyncio
async def test_twilio_is_answered_before_the_turn_ends(tw: Twilio, fake_rasa: FakeRasa) -> None:
    fake_rasa.gate = asyncio.Event()
    status, body, _ = await asyncio.wait_for(
        tw.deliver(twilio.inbound_form(VISITOR, "hi"), wait=False), timeout=5)
    assert (status, body) == (200, EMPTY_TWIML)
    assert fake_rasa.messages == [] and len(tw.channel.tasks) == 1
    fake_rasa.gate.set()
    assert await tw.channel.wait_idle(5)
    assert fake_rasa.texts == ["hi"]
