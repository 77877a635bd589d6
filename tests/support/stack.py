"""Production-like assistants for tests: Rasa replicas and their action servers on free ports,
wired as in production (config/endpoints.production.yml: PostgreSQL tracker store, Redis lock
store, token-protected action server, PostgreSQL clinic database), optionally through TCP
proxies that a test can cut.

The endpoints file is config/endpoints.production.yml with only the Redis key prefix changed
(this session's own prefix); its `${VAR}`s stay as they are and are set per process, exactly
as in production: replica A's `ACTION_SERVER_URL` is action server A, replica B's is B.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

import requests
import yaml

from scripts.processes import ProcessGroup
from scripts.services import (
    ROOT,
    Service,
    Settings,
    assistant_services,
    frontdesk_services,
    is_healthy,
    wait_until_healthy,
)
from tests.integration.harness import START_TIMEOUT_S, free_port
from tests.support.backends import SessionBackends

PRODUCTION_ENDPOINTS = ROOT / "config" / "endpoints.production.yml"
Address = Tuple[str, int]


def write_production_endpoints(path: Path, key_prefix: str) -> Path:
    """config/endpoints.production.yml with this session's Redis key prefix."""
    config = yaml.safe_load(PRODUCTION_ENDPOINTS.read_text(encoding="utf-8"))
    config["lock_store"]["key_prefix"] = key_prefix
    text = yaml.safe_dump(config, sort_keys=False)
    # Rasa substitutes ${VAR} only in plain scalars: make sure the dump kept them plain.
    if "'${" in text or '"${' in text:
        raise AssertionError(f"environment references were quoted:\n{text}")
    path.write_text(text, encoding="utf-8")
    return path


def path_id(conversation_id: str) -> str:
    """A conversation id in a URL path (Sanic does not decode "+" or ":")."""
    return quote(conversation_id, safe="+:")


@dataclass
class Replica:
    name: str
    rasa: Service
    actions: Service

    @property
    def url(self) -> str:
        return f"http://{self.rasa.host}:{self.rasa.port}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"


@dataclass
class Stack:
    group: ProcessGroup
    token: str
    action_token: str
    replicas: List[Replica]
    backends: SessionBackends
    workdir: Path
    clinic_url: str
    extra: Dict[str, Service] = field(default_factory=dict)  # console, web

    def replica(self, name: str) -> Replica:
        return next(r for r in self.replicas if r.name == name)

    @property
    def first(self) -> Replica:
        return self.replicas[0]

    # --- processes ------------------------------------------------------------------------

    def kill_rasa(self, name: str, sig: int = signal.SIGKILL) -> None:
        self.group.stop(self.replica(name).rasa.name, grace_s=20, sig=sig)

    def stop_actions(self, name: str) -> None:
        self.group.stop(self.replica(name).actions.name)

    def start_actions(self, name: str) -> None:
        self._start(self.replica(name).actions)

    def start_rasa(self, name: str) -> None:
        self._start(self.replica(name).rasa)

    def is_running(self, service_name: str) -> bool:
        child = self.group.children.get(service_name)
        return child is not None and child.poll() is None

    def ensure_running(self) -> None:
        """Starts again whatever a previous test stopped, killed or broke: a process that has
        exited, or one that no longer answers its health check (e.g. still shutting down
        after a crash of its event loop)."""
        services = [s for r in self.replicas for s in (r.actions, r.rasa)]
        for service in services + list(self.extra.values()):
            if self.is_running(service.name) and is_healthy(service, timeout=15):
                continue
            self.group.stop(service.name, grace_s=5)  # forget it, killing it if need be
            self._start(service)

    def _start(self, service: Service) -> None:
        if not self.group.start_and_wait(service, START_TIMEOUT_S):
            raise RuntimeError(f"{service.name} did not start:\n"
                               f"{self.group.log_tail(service.name)}")

    def log_tail(self, name: str, lines: int = 60) -> str:
        return self.group.log_tail(name, lines)

    def log_text(self, name: str) -> str:
        path = self.group.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self.group.stop_all()

    # --- the HTTP API ---------------------------------------------------------------------

    def tracker(self, conversation_id: str, replica: Optional[str] = None,
                timeout: float = 60) -> Dict[str, Any]:
        base = (self.replica(replica) if replica else self.first).url
        reply = requests.get(f"{base}/conversations/{path_id(conversation_id)}/tracker",
                             params={"token": self.token}, timeout=timeout)
        reply.raise_for_status()
        return reply.json()

    def user_texts(self, conversation_id: str, replica: Optional[str] = None) -> List[str]:
        return [e.get("text") for e in self.tracker(conversation_id, replica)["events"]
                if e["event"] == "user"]


def start_stack(workdir: Path, backends: SessionBackends, replicas: Sequence[str] = ("a",),
                pg_address: Optional[Address] = None, redis_address: Optional[Address] = None,
                extra_env: Optional[Dict[str, str]] = None,
                credentials: Optional[Path] = None, with_frontdesk: bool = False,
                rasa_port: Optional[int] = None, token: Optional[str] = None) -> Stack:
    """Starts one action server and one Rasa server per replica name (and the console and
    website, pointing at the first replica, if asked). `pg_address` / `redis_address` put the
    services behind proxies; by default they talk to the servers directly."""
    if not any((ROOT / "models").glob("*.tar.gz")):
        raise RuntimeError("no trained model in models/: run `make train` first")
    workdir.mkdir(parents=True, exist_ok=True)
    pg_host, pg_port = pg_address or (backends.pg.host, backends.pg.port)
    redis_host, redis_port = redis_address or (backends.redis.host, backends.redis.port)
    endpoints = write_production_endpoints(workdir / "endpoints.yml", backends.key_prefix)
    # Hex: a token_urlsafe() token can start with "-", which `rasa run --auth-token <token>`
    # takes for an option (see test_faults.py).
    token = secrets.token_hex(16) if token is None else token
    action_token = secrets.token_hex(24)
    clinic_url = backends.pg.url(backends.database, pg_host, pg_port)
    web_port = free_port()
    group = ProcessGroup(workdir / "log")
    built: List[Replica] = []
    extra: Dict[str, Service] = {}
    settings_of_first: Optional[Settings] = None
    env_of_first: Dict[str, str] = {}
    for index, name in enumerate(replicas):
        action_port = free_port()
        port = rasa_port if (rasa_port and index == 0) else free_port()
        settings = Settings(host="127.0.0.1", rasa_port=port, action_port=action_port,
                            console_port=free_port(), web_port=web_port,
                            cors_origins=(f"http://127.0.0.1:{web_port}",), token=token,
                            endpoints=endpoints, database_url=clinic_url,
                            **({"credentials": credentials} if credentials else {}))
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false",
               "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
               "ACTION_SERVER_TOKEN": action_token,
               "POSTGRES_HOST": pg_host, "POSTGRES_PORT": str(pg_port),
               "POSTGRES_DB": backends.database, "POSTGRES_USER": backends.pg.user,
               "POSTGRES_PASSWORD": backends.pg.password,
               "REDIS_HOST": redis_host, "REDIS_PORT": str(redis_port),
               "REDIS_DB": str(backends.redis.db),
               **(extra_env or {})}
        actions, rasa = assistant_services(settings, env)
        built.append(Replica(name, dataclasses.replace(rasa, name=f"rasa-{name}"),
                             dataclasses.replace(actions, name=f"actions-{name}")))
        if settings_of_first is None:
            settings_of_first, env_of_first = settings, env
    if with_frontdesk and settings_of_first is not None:
        for service in frontdesk_services(settings_of_first, env_of_first):
            extra[service.name] = service
    stack = Stack(group, token, action_token, built, backends, workdir, clinic_url, extra)
    started = time.monotonic()
    try:
        # Action servers first (they migrate the clinic database), then the Rasa servers
        # together: on two cores that is faster than one after the other.
        _start_together(group, [r.actions for r in built][:1])
        _start_together(group, [r.actions for r in built][1:])
        _start_together(group, [r.rasa for r in built] + list(extra.values()))
    except BaseException:
        group.stop_all()
        raise
    print(f"stack {list(replicas)} ready in {time.monotonic() - started:.1f}s "
          f"({', '.join(r.url for r in built)})")
    return stack


def _start_together(group: ProcessGroup, services: List[Service]) -> None:
    children = {service.name: group.start(service) for service in services}
    deadline = time.monotonic() + START_TIMEOUT_S
    for service in services:
        child = children[service.name]
        if not wait_until_healthy(service, deadline, alive=lambda c=child: c.poll() is None):
            raise RuntimeError(f"{service.name} failed to start:\n"
                               f"{group.log_tail(service.name)}")
