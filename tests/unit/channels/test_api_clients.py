"""The Graph API and Twilio clients: error reading, scrubbing, network failures."""

from __future__ import annotations

import socket
from typing import Any, Optional

import pytest

from channels.graph_api import GraphApiClient, GraphApiConfig, read_graph_error
from channels.retrying_sender import RetryPolicy
from channels.twilio_api import TwilioApiConfig, TwilioMessagesClient, read_twilio_error
from tests.standins.graph_api import GraphApiStandin
from tests.standins.twilio_api import TwilioApiStandin
from tests.unit.channels.conftest import RecordingSleep


@pytest.mark.parametrize(("status", "payload", "error", "code", "temporary"), [
    (400, {"error": {"message": "(#131047) Re-engagement message", "code": 131047,
                     "error_data": {"details": "More than 24 hours have passed"}}},
     "HTTP 400 graph error 131047: More than 24 hours have passed", "131047", False),
    (400, {"error": {"message": "Rate limit hit", "code": 130429}},
     "HTTP 400 graph error 130429: Rate limit hit", "130429", True),
    (400, {"error": {"message": "Recipient +27821234567 is not allowed", "code": 131030}},
     "HTTP 400 graph error 131030: Recipient +27*****4567 is not allowed", "131030", False),
    (502, None, "HTTP 502", None, False),
    (500, {"unexpected": 1}, "HTTP 500", None, False),
])
def test_read_graph_error(status: int, payload: Any, error: str, code: Optional[str],
                          temporary: bool) -> None:
    result = read_graph_error(status, payload, None)
    assert (result.status, result.error, result.code, result.temporary) == (
        status, error, code, temporary)


@pytest.mark.parametrize(("payload", "error"), [
    ({"code": 21211, "message": "The 'To' number whatsapp:+27821234567 is not valid."},
     "HTTP 400 twilio error 21211: The 'To' number whatsapp:+27*****4567 is not valid."),
    ("not json", "HTTP 400"),
])
def test_read_twilio_error(payload: Any, error: str) -> None:
    assert read_twilio_error(400, payload, 5.0).error == error
    assert read_twilio_error(400, payload, 5.0).retry_after_s == 5.0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio
async def test_unreachable_graph_api_is_retried_then_fails() -> None:
    sleep = RecordingSleep()
    client = GraphApiClient(GraphApiConfig("t", "1", base_url=f"http://127.0.0.1:{closed_port()}"),
                            RetryPolicy(max_attempts=3), sleep=sleep)
    outcome = await client.send({"messaging_product": "whatsapp"})
    await client.close()
    assert not outcome.ok and outcome.attempts == 3 and len(sleep.delays) == 2
    assert outcome.result.status == 0
    assert outcome.result.error == "connection error: ClientConnectorError"


@pytest.mark.asyncio
async def test_graph_api_auth_and_url(graph_api: GraphApiStandin) -> None:
    good = GraphApiClient(GraphApiConfig(graph_api.access_token, graph_api.phone_number_id,
                                         base_url=graph_api.base_url))
    bad = GraphApiClient(GraphApiConfig("expired", graph_api.phone_number_id,
                                        base_url=graph_api.base_url))
    message = {"messaging_product": "whatsapp", "to": "27821234567", "type": "text",
               "text": {"body": "hi"}}
    assert (await good.send(message)).ok
    refused = await bad.send(message)
    assert (refused.ok, refused.attempts, refused.result.code) == (False, 1, "190")
    await good.close()
    await bad.close()


@pytest.mark.asyncio
async def test_twilio_basic_auth(twilio_api: TwilioApiStandin) -> None:
    base = twilio_api.base_url
    good = TwilioMessagesClient(TwilioApiConfig(twilio_api.account_sid, twilio_api.auth_token,
                                                "whatsapp:+14155238886", base_url=base))
    bad = TwilioMessagesClient(TwilioApiConfig(twilio_api.account_sid, "wrong",
                                               "whatsapp:+14155238886", base_url=base))
    assert (await good.send("whatsapp:+27821234567", body="hi")).ok
    assert (await bad.send("whatsapp:+27821234567", body="hi")).result.status == 401
    assert twilio_api.delivered()[0].form["Body"] == ["hi"]
    await good.close()
    await bad.close()
