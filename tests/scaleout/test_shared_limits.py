"""The per-sender rate limit holds across replicas: a sender whose messages alternate between
two Rasa servers gets the limit once (shared in Redis), not once per replica."""

from __future__ import annotations

import uuid
from typing import Iterator, List

import pytest
import requests

from serving.turn_guard import service_messages
from tests.support.backends import SessionBackends
from tests.support.stack import Stack, start_stack

PER_MINUTE = 5


@pytest.fixture(scope="module")
def limited(backends: SessionBackends, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("limits"), backends, replicas=("a", "b"),
                          extra_env={"MESSAGES_PER_MINUTE": str(PER_MINUTE)})
    try:
        yield running
    finally:
        running.stop()


def say(url: str, sender: str, text: str) -> List[str]:
    reply = requests.post(url, json={"sender": sender, "message": text}, timeout=120)
    assert reply.status_code == 200, reply.text[:300]
    return [m.get("text") or "" for m in reply.json()]


def test_a_sender_gets_the_limit_once_across_replicas(limited: Stack) -> None:
    too_fast = service_messages()["too_fast"]
    sender = f"limit-{uuid.uuid4().hex[:10]}"
    answers = [say(limited.replicas[n % 2].webhook, sender, "what is a muscle spasm?")
               for n in range(PER_MINUTE + 1)]
    assert all(too_fast not in replies and replies for replies in answers[:PER_MINUTE]), answers
    assert answers[PER_MINUTE] == [too_fast], answers[PER_MINUTE]
    # Another visitor is not held back by the first one's limit.
    assert too_fast not in say(limited.replicas[1].webhook, f"{sender}-other", "hello")
