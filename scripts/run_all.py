"""`make run`: starts every process of the assistant, watches them, stops them all on Ctrl-C.

A second `make run` while one is running says so and exits, instead of failing on a taken port.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, List, Optional

from scripts.credentials import credentials_file
from scripts.processes import ProcessGroup
from scripts.services import (
    VAR,
    Service,
    Settings,
    assistant_services,
    frontdesk_services,
    port_in_use,
    read_or_create_token,
)

START_TIMEOUT_S = 300.0


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def take_run_lock(var_dir: Path = VAR) -> Optional[IO[str]]:
    """An exclusive lock held for the supervisor's lifetime (released by the OS if it dies)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    handle = open(var_dir / "run.lock", "a+", encoding="utf-8")  # noqa: SIM115 (held until exit)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "unknown"
        handle.close()
        say(f"the assistant is already running (supervisor pid {owner}); "
            "stop it with Ctrl-C in its terminal first.")
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def announce(services: List[Service]) -> None:
    by_name = {s.name: s for s in services}
    rasa = by_name["rasa"]
    say("all services are up:")
    say(f"  Rasa (REST, socket.io, HTTP API)  http://{rasa.host}:{rasa.port}")
    say(f"  action server                      {by_name['actions'].health_url}")
    say(f"  front-desk console                 http://{rasa.host}:{by_name['console'].port}"
        "  (first account: .venv/bin/python -m frontdesk create-staff <name>)")
    say(f"  clinic website with the chat       http://{rasa.host}:{by_name['web'].port}")
    say(f"  try: curl -s http://{rasa.host}:{rasa.port}/webhooks/rest/webhook "
        "-d '{\"sender\": \"me\", \"message\": \"hi\"}'")
    say("Ctrl-C stops everything.")


def supervise(group: ProcessGroup, services: List[Service], stop_flag: List[bool]) -> int:
    for service in services:
        say(f"starting {service.name} on {service.host}:{service.port}")
        if not group.start_and_wait(service, START_TIMEOUT_S, cancelled=lambda: bool(stop_flag)):
            if stop_flag:
                return 0  # Ctrl-C while starting: the user's choice, not a failure
            say(f"{service.name} failed to start (see {group.log_dir}/{service.name}.log)")
            return 1
        say(f"{service.name} is ready")
    if {"rasa", "actions", "console", "web"} <= {s.name for s in services}:
        announce(services)
    while not stop_flag:
        dead = group.exited()
        if dead:
            say(f"{', '.join(dead)} exited unexpectedly; stopping the rest")
            return 1
        time.sleep(0.5)
    return 0


def main() -> int:
    lock = take_run_lock()
    if lock is None:
        return 1
    token, created = read_or_create_token(os.environ)
    if created:
        say(f"generated an HTTP API token (kept in var/rasa_token): {token}")
    settings = Settings.from_env(os.environ, token)
    channels = credentials_file(os.environ, VAR)
    if channels != settings.credentials:
        settings = replace(settings, credentials=channels)
        say(f"WhatsApp channel(s) enabled from the environment ({channels})")
    services = assistant_services(settings, os.environ) + frontdesk_services(settings,
                                                                             os.environ)
    try:
        return run(services, VAR)
    finally:
        lock.close()


def run(services: List[Service], var_dir: Path) -> int:
    """Starts `services` in order, watches them, stops them all on SIGINT/SIGTERM."""
    taken = [s for s in services if port_in_use(s.host, s.port)]
    for service in taken:
        say(f"port {service.port} ({service.name}) is already in use by another program; "
            "stop it or choose another port (RASA_PORT, ACTION_SERVER_PORT, CONSOLE_PORT, "
            "WEB_PORT).")
    if taken:
        return 1
    group = ProcessGroup(var_dir / "log", echo=True)
    stop_flag: List[bool] = []

    def on_signal(signum: int, _frame: object) -> None:
        if not stop_flag:
            say("stopping")
            stop_flag.append(True)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return supervise(group, services, stop_flag)
    finally:
        group.stop_all()
        say("stopped")


if __name__ == "__main__":
    sys.exit(main())
