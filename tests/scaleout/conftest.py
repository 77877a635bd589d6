"""Two Rasa replicas and two action servers sharing one PostgreSQL tracker store, one
PostgreSQL clinic database and one Redis lock store, started once for the module."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from tests.support.backends import BackendUnavailable, SessionBackends, session_backends
from tests.support.stack import Stack, start_stack


@pytest.fixture(scope="module")
def backends() -> Iterator[SessionBackends]:
    with contextlib.ExitStack() as cleanup:
        try:
            created = cleanup.enter_context(session_backends("physio_scaleout"))
        except BackendUnavailable as error:
            pytest.skip(f"the scale-out suite needs PostgreSQL and Redis: {error}")
        yield created


@pytest.fixture(scope="module")
def stack(backends: SessionBackends, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("scaleout"), backends, replicas=("a", "b"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def publish(capsys: pytest.CaptureFixture, stack: Stack):  # type: ignore[no-untyped-def]
    """Prints a run's figures on the terminal (not captured) and keeps them as JSON."""

    def show(title: str, figures: Dict[str, Any], events: List[str]) -> None:
        with capsys.disabled():
            print(f"\n--- {title} ---")
            for key, value in figures.items():
                print(f"  {key:<22} {value}")
            for line in events:
                print(f"  event {line}")
        path: Path = stack.workdir / "figures.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"title": title, **figures, "events": events}) + "\n")

    return show
