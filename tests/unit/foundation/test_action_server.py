from __future__ import annotations

import json

import pytest
from sanic import Sanic

from actions.server import ConfigurationError, check_exposure, create_app

PACKAGE = "tests.unit.foundation.sample_actions"
PATIENT_TEXT = "I wet myself and my groin is numb"


@pytest.fixture(autouse=True)
def _sanic_test_mode() -> None:
    Sanic.test_mode = True


def action_call(name: str) -> dict:
    return {
        "next_action": name,
        "sender_id": "+27821234567",
        "version": "3.6.21",
        "tracker": {"sender_id": "+27821234567", "slots": {}, "events": [],
                    "latest_message": {"text": PATIENT_TEXT, "intent": {}, "entities": []},
                    "paused": False, "latest_action_name": "action_listen",
                    "active_loop": {}},
        "domain": {},
    }


@pytest.mark.parametrize(
    ("host", "token", "allowed"),
    [
        ("127.0.0.1", None, True),
        ("localhost", None, True),
        ("::1", None, True),
        ("0.0.0.0", None, False),
        ("10.0.0.5", None, False),
        ("0.0.0.0", "s3cret", True),
    ],
)
def test_exposure_needs_a_token(host: str, token: str | None, allowed: bool) -> None:
    if allowed:
        check_exposure(host, token)
    else:
        with pytest.raises(ConfigurationError):
            check_exposure(host, token)


def test_health_answers() -> None:
    _, response = create_app(PACKAGE).test_client.get("/health")
    assert response.status == 200
    assert response.json == {"status": "ok"}


def test_runs_an_action() -> None:
    _, response = create_app(PACKAGE).test_client.post("/webhook",
                                                       json=action_call("action_hello"))
    assert response.status == 200
    assert response.json["responses"][0]["text"] == "hello"


@pytest.mark.parametrize("given", [None, "wrong", "Bearer wrong"])
def test_a_token_protected_server_refuses_without_the_token(given: str | None) -> None:
    app = create_app(PACKAGE, token="s3cret")
    headers = {"Authorization": given} if given else {}
    _, response = app.test_client.post("/webhook", json=action_call("action_hello"),
                                       headers=headers)
    assert response.status == 401


@pytest.mark.parametrize("how", ["header", "query"])
def test_a_token_protected_server_accepts_the_token(how: str) -> None:
    app = create_app(PACKAGE, token="s3cret")
    if how == "header":
        _, response = app.test_client.post("/webhook", json=action_call("action_hello"),
                                           headers={"Authorization": "Bearer s3cret"})
    else:
        _, response = app.test_client.post("/webhook?token=s3cret",
                                           json=action_call("action_hello"))
    assert response.status == 200


def test_a_failing_action_answers_without_conversation_content() -> None:
    _, response = create_app(PACKAGE).test_client.post("/webhook",
                                                       json=action_call("action_boom"))
    assert response.status == 500
    body = json.dumps(response.json)
    assert PATIENT_TEXT not in body
    assert "+27821234567" not in body
    assert response.json["error_id"]


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"next_action": "x"}'])
def test_bad_bodies_get_a_clear_400(payload: bytes) -> None:
    _, response = create_app(PACKAGE).test_client.post(
        "/webhook", data=payload, headers={"Content-Type": "application/json"})
    assert response.status == 400


def test_an_unknown_action_is_a_404() -> None:
    _, response = create_app(PACKAGE).test_client.post("/webhook",
                                                       json=action_call("action_nope"))
    assert response.status == 404


def test_the_wordings_are_read_at_start() -> None:
    from actions import answer_words, faq_catalogue, quick_replies
    from actions.server import preload_wordings

    for cached in (answer_words._patterns, faq_catalogue.response_names, quick_replies._all):
        cached.cache_clear()
    preload_wordings()
    for cached in (answer_words._patterns, faq_catalogue.response_names, quick_replies._all):
        assert cached.cache_info().currsize == 1
