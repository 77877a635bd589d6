"""Several Sanic workers in one Rasa server take visitors together: each gets ready (model,
rehearsals), then waits for the others, so that no worker serves while another still loads
and rehearses beside it (serving/workers_ready.py)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Iterator

import pytest
import requests

from tests.support.backends import SessionBackends
from tests.support.stack import Stack, start_stack

WORKERS = 2


@pytest.fixture(scope="module")
def two_workers(backends: SessionBackends, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("workers"), backends, replicas=("a",),
                          extra_env={"SANIC_WORKERS": str(WORKERS)})
    try:
        yield running
    finally:
        running.stop()


def log_once_every_worker_serves(stack: Stack, timeout_s: float = 120.0) -> str:
    """The Rasa log, once each worker has logged that it serves (a worker logs it just after
    it starts accepting, possibly after the health check was answered by the other)."""
    deadline = time.monotonic() + timeout_s
    while True:
        log = stack.log_text("rasa-a")
        if log.count("server.serving") >= WORKERS or time.monotonic() > deadline:
            return log
        time.sleep(0.2)


def test_no_worker_serves_before_every_worker_is_ready(two_workers: Stack) -> None:
    log = log_once_every_worker_serves(two_workers)
    rehearsals = [m.start() for m in re.finditer(r"server\.warm_up\.http status=200", log)]
    serving = [m.start() for m in re.finditer(r"server\.serving ready_before=True", log)]
    assert len(rehearsals) == WORKERS and len(serving) == WORKERS
    # Every worker's rehearsals are logged before the first worker serves.
    assert max(rehearsals) < min(serving)
    ready = re.findall(r"server\.workers\.ready workers=2 ", log)
    assert len(ready) == WORKERS, "each worker waits for the others once"
    assert "server.workers.not_ready" not in log


def test_both_workers_answer_visitors(two_workers: Stack) -> None:
    reply = requests.post(two_workers.first.webhook, timeout=120,
                          json={"sender": f"workers-{uuid.uuid4().hex[:8]}", "message": "hi"})
    assert reply.status_code == 200 and reply.json(), reply.text[:300]
