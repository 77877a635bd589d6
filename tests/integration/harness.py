"""Real servers for integration tests: started once per test session, polled until ready."""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests
import yaml

from scripts.processes import ProcessGroup
from scripts.services import (
    ROOT,
    Service,
    Settings,
    assistant_services,
    frontdesk_services,
)

START_TIMEOUT_S = 360.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_endpoints(path: Path, action_port: int, tracker_db: Path) -> Path:
    """An endpoints.yml like the shipped one, on this test's own ports and database."""
    shipped = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    shipped["action_endpoint"]["url"] = f"http://127.0.0.1:{action_port}/webhook"
    shipped["tracker_store"]["db"] = str(tracker_db)
    path.write_text(yaml.safe_dump(shipped))
    return path


@dataclass
class Assistant:
    """A running action server and Rasa server, and how to talk to them."""

    group: ProcessGroup
    settings: Settings
    services: List[Service]
    workdir: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.rasa_port}"

    def send(self, sender: str, text: str, metadata: Optional[Dict[str, Any]] = None,
             timeout: float = 60) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        reply = requests.post(f"{self.base_url}/webhooks/rest/webhook", json=body,
                              timeout=timeout)
        reply.raise_for_status()
        return reply.json()

    def tracker(self, sender: str) -> Dict[str, Any]:
        reply = requests.get(f"{self.base_url}/conversations/{sender}/tracker",
                             params={"token": self.settings.token}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def restart(self, name: str) -> None:
        """Stops one service and starts it again on the same port and data."""
        service = next(s for s in self.services if s.name == name)
        self.group.stop(name)
        if not self.group.start_and_wait(service, START_TIMEOUT_S):
            raise RuntimeError(f"{name} did not come back:\n{self.group.log_tail(name)}")

    def stop(self) -> None:
        self.group.stop_all()

    @property
    def database_url(self) -> str:
        return self.settings.database_url

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)


def start_assistant(workdir: Path, extra_env: Optional[Dict[str, str]] = None,
                    credentials: Optional[Path] = None, with_frontdesk: bool = False
                    ) -> Assistant:
    """Starts the action server and Rasa (and the console and website if asked) on free
    ports, with this test session's own databases."""
    if not any((ROOT / "models").glob("*.tar.gz")):
        raise RuntimeError("no trained model in models/: run `make train` first")
    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    endpoints = write_endpoints(workdir / "endpoints.yml", action_port, workdir / "tracker.db")
    settings = Settings(host="127.0.0.1", rasa_port=rasa_port, action_port=action_port,
                        console_port=free_port(), web_port=web_port,
                        cors_origins=(f"http://127.0.0.1:{web_port}",),
                        token=secrets.token_urlsafe(16), endpoints=endpoints,
                        database_url=f"sqlite:///{workdir / 'clinic.db'}",
                        **({"credentials": credentials} if credentials else {}))
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **(extra_env or {})}
    services = assistant_services(settings, env)
    if with_frontdesk:
        services += frontdesk_services(settings, env)
    group = ProcessGroup(workdir / "log")
    started = time.monotonic()
    for service in services:
        if not group.start_and_wait(service, START_TIMEOUT_S):
            tail = group.log_tail(service.name)
            group.stop_all()
            raise RuntimeError(f"{service.name} failed to start:\n{tail}")
    print(f"assistant ready in {time.monotonic() - started:.1f}s")
    return Assistant(group, settings, services, workdir)
