"""The processes that make up the running assistant, defined once for `make run` and the tests.

Standard library only: the supervisor must start quickly and must not import Rasa.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
TOKEN_FILE = VAR / "rasa_token"


@dataclass(frozen=True)
class Service:
    """One long-running process and how to tell that it is ready."""

    name: str
    argv: Sequence[str]
    host: str
    port: int
    health_path: str
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def health_url(self) -> str:
        return f"http://{self.host}:{self.port}{self.health_path}"


@dataclass(frozen=True)
class Settings:
    """Ports, hosts and files, from the environment with embedded defaults."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    console_port: int = 5010
    web_port: int = 8000
    token: str = ""
    database_url: str = ""
    endpoints: Path = ROOT / "endpoints.yml"
    credentials: Path = ROOT / "credentials.yml"
    models: Path = ROOT / "models"
    cors_origins: Sequence[str] = ("http://localhost:8000", "http://127.0.0.1:8000")

    @classmethod
    def from_env(cls, env: Mapping[str, str], token: str) -> Settings:
        origins = env.get("ALLOWED_ORIGINS", " ".join(cls.cors_origins)).split()
        endpoints = Path(env["ENDPOINTS_FILE"]) if env.get("ENDPOINTS_FILE") else cls.endpoints
        return cls(
            endpoints=endpoints if endpoints.is_absolute() else ROOT / endpoints,
            host=env.get("RASA_HOST", cls.host),
            rasa_port=int(env.get("RASA_PORT", cls.rasa_port)),
            action_port=int(env.get("ACTION_SERVER_PORT", cls.action_port)),
            console_port=int(env.get("CONSOLE_PORT", cls.console_port)),
            web_port=int(env.get("WEB_PORT", cls.web_port)),
            token=token,
            database_url=env.get("DATABASE_URL", ""),
            cors_origins=tuple(origins),
        )

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"


def python() -> str:
    return sys.executable


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def read_or_create_token(env: Mapping[str, str], token_file: Path = TOKEN_FILE) -> Tuple[str, bool]:
    """The HTTP API token: `RASA_TOKEN`, else the one kept under var/, else a new one.

    Returns the token and whether it was just created (the caller prints it once).
    """
    if env.get("RASA_TOKEN"):
        return env["RASA_TOKEN"], False
    if token_file.exists():
        return token_file.read_text(encoding="utf-8").strip(), False
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token, True


def _base_env(settings: Settings, base_env: Mapping[str, str]) -> Dict[str, str]:
    env: Dict[str, str] = dict(base_env)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PUBLIC_BASE_URL", settings.web_url)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return env


def assistant_services(settings: Settings, base_env: Mapping[str, str]) -> List[Service]:
    """The action server and the Rasa server, in start order."""
    env = _base_env(settings, base_env)
    action_env = {**env, "ACTION_SERVER_HOST": settings.host,
                  "ACTION_SERVER_PORT": str(settings.action_port),
                  # The tracker store to erase conversations from: the one Rasa uses.
                  "RASA_ENDPOINTS": str(settings.endpoints)}
    env["ALLOWED_ORIGINS"] = " ".join(settings.cors_origins)
    rasa_argv = [
        python(), "-m", "serving.rasa_server", "run",  # Rasa's CLI, without TensorFlow or JAX
        "--enable-api", f"--auth-token={settings.token}",  # "=": a token may start with "-"
        "--interface", settings.host, "--port", str(settings.rasa_port),
        "--credentials", str(settings.credentials),
        "--endpoints", str(settings.endpoints),
        "--model", str(settings.models),
        "--cors", *settings.cors_origins,
    ]
    return [
        Service("actions", [python(), "-m", "actions.server"], settings.host,
                settings.action_port, "/health", action_env),
        Service("rasa", rasa_argv, settings.host, settings.rasa_port,
                f"/status?token={settings.token}", env),
    ]


def frontdesk_services(settings: Settings, base_env: Mapping[str, str]) -> List[Service]:
    """The front-desk console and the demo website with the chat widget."""
    env = _base_env(settings, base_env)
    console_env = {**env, "CONSOLE_HOST": settings.host, "RASA_ENDPOINTS": str(settings.endpoints),
                   "CONSOLE_PORT": str(settings.console_port),
                   "RASA_URL": settings.rasa_url, "RASA_TOKEN": settings.token}
    web_env = {**env, "WEB_HOST": settings.host, "WEB_PORT": str(settings.web_port),
               "RASA_PUBLIC_URL": env.get("RASA_PUBLIC_URL", settings.rasa_url)}
    return [
        Service("console", [python(), "-m", "frontdesk"], settings.host,
                settings.console_port, "/health", console_env),
        Service("web", [python(), "-m", "web"], settings.host, settings.web_port,
                "/health", web_env),
    ]


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def is_healthy(service: Service, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(service.health_url, timeout=timeout) as reply:
            return 200 <= reply.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_healthy(service: Service, deadline: float,
                       alive: Optional[Callable[[], bool]] = None) -> bool:
    """Polls the health URL until it answers, the deadline passes, or the process died."""
    delay = 0.2
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            return False
        if is_healthy(service):
            return True
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)
    return False
