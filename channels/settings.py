"""Reading a channel's `credentials.yml` entry: required keys, typed optional keys, clear errors.

Error messages name the key, never its value (values are secrets).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from rasa.shared.exceptions import RasaException

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ChannelConfigurationError(RasaException):
    """A channel's credentials are missing or unusable: the server must not start."""


def required(credentials: Mapping[str, Any], key: str, channel: str) -> str:
    value = credentials.get(key)
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ChannelConfigurationError(
            f"The '{channel}' channel needs '{key}' in its credentials.yml entry "
            f"(usually from an environment variable); it is missing or empty.")
    return text


def optional_text(credentials: Mapping[str, Any], key: str, default: str) -> str:
    value = credentials.get(key)
    text = str(value).strip() if value is not None else ""
    return text or default


def optional_none(credentials: Mapping[str, Any], key: str) -> Optional[str]:
    value = credentials.get(key)
    text = str(value).strip() if value is not None else ""
    return text or None


def optional_bool(credentials: Mapping[str, Any], key: str, default: bool, channel: str) -> bool:
    value = credentials.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return default if text == "" else False
    raise ChannelConfigurationError(f"The '{channel}' channel's '{key}' must be true or false.")


def optional_int(credentials: Mapping[str, Any], key: str, default: int, channel: str,
                 minimum: int = 1) -> int:
    value = credentials.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ChannelConfigurationError(
            f"The '{channel}' channel's '{key}' must be a whole number.") from None
    if number < minimum:
        raise ChannelConfigurationError(
            f"The '{channel}' channel's '{key}' must be at least {minimum}.")
    return number
