"""Console settings, read from the environment once, in `main()` (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TOKEN_FILE = ROOT / "var" / "rasa_token"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 5010
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    rasa_timeout_s: float = 10.0
    database_url: Optional[str] = None  # None: the store's default (var/clinic.db)
    clinic_profile: Optional[Path] = None  # None: $CLINIC_PROFILE or the packaged sample
    secure_cookies: bool = False
    session_idle: timedelta = timedelta(minutes=30)
    session_max: timedelta = timedelta(hours=12)
    poll_seconds: int = 5
    login_window: timedelta = timedelta(minutes=15)
    # Per username: a password-guessing limit. Per client address: higher, because a clinic's
    # front-desk computers usually share one address; it stops one machine trying many names.
    max_failures_per_user: int = 5
    max_failures_per_address: int = 20

    @property
    def exposed(self) -> bool:
        return self.host not in LOOPBACK

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None,
                 token_file: Path = DEFAULT_TOKEN_FILE) -> Settings:
        env = os.environ if env is None else env
        token = env.get("RASA_TOKEN", "").strip()
        if not token and token_file.is_file():
            token = token_file.read_text(encoding="utf-8").strip()
        profile = env.get("CLINIC_PROFILE")
        return cls(
            host=env.get("CONSOLE_HOST", cls.host) or cls.host,
            port=_int(env, "CONSOLE_PORT", cls.port, 1, 65535),
            rasa_url=(env.get("RASA_URL") or cls.rasa_url).rstrip("/"),
            rasa_token=token,
            rasa_timeout_s=float(_int(env, "CONSOLE_RASA_TIMEOUT_S", 10, 1, 300)),
            database_url=env.get("DATABASE_URL") or None,
            clinic_profile=Path(profile) if profile else None,
            secure_cookies=_bool(env, "CONSOLE_SECURE_COOKIES", False),
            session_idle=timedelta(minutes=_int(env, "CONSOLE_SESSION_IDLE_MINUTES", 30, 1,
                                                24 * 60)),
            session_max=timedelta(hours=_int(env, "CONSOLE_SESSION_MAX_HOURS", 12, 1, 24 * 7)),
            poll_seconds=_int(env, "CONSOLE_POLL_SECONDS", 5, 1, 300),
            max_failures_per_user=_int(env, "CONSOLE_LOGIN_MAX_FAILURES_PER_USER", 5, 1, 1000),
            max_failures_per_address=_int(env, "CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS", 20, 1,
                                          10000),
        )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")
