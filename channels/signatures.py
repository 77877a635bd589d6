"""Webhook authenticity checks: Meta's `X-Hub-Signature-256` and Twilio's `X-Twilio-Signature`.

Both schemes sign the request, not a time: a captured request stays valid forever. Replays are
therefore caught by the channels' persistent de-duplication of message ids, not here.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from typing import Mapping, Optional

from multidict import MultiDict
from twilio.request_validator import RequestValidator

HUB_SIGNATURE_HEADER = "X-Hub-Signature-256"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
_HUB_PREFIX = "sha256="


class SignatureCheck(enum.Enum):
    VALID = "valid"
    MISSING = "missing"  # answered 401
    INVALID = "invalid"  # answered 403

    @property
    def http_status(self) -> int:
        return {SignatureCheck.VALID: 200, SignatureCheck.MISSING: 401,
                SignatureCheck.INVALID: 403}[self]


def hub_signature(app_secret: str, body: bytes) -> str:
    """The header value Meta sends: `sha256=` + HMAC-SHA256 hex of the raw body."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _HUB_PREFIX + digest


def verify_hub_signature(app_secret: str, body: bytes, header: Optional[str]) -> SignatureCheck:
    """Checks the raw body against the header in constant time."""
    if not header or not header.strip():
        return SignatureCheck.MISSING
    given = header.strip()
    if not given.lower().startswith(_HUB_PREFIX):
        return SignatureCheck.INVALID
    expected = hub_signature(app_secret, body)
    # Meta sends lowercase hex; compare the hex part case-insensitively, bytes in constant time.
    candidate = (_HUB_PREFIX + given[len(_HUB_PREFIX):].lower()).encode("ascii", "replace")
    if hmac.compare_digest(candidate, expected.encode("ascii")):
        return SignatureCheck.VALID
    return SignatureCheck.INVALID


def verify_twilio_signature(auth_token: str, url: str, params: MultiDict[str],
                            header: Optional[str]) -> SignatureCheck:
    """Twilio's scheme (HMAC-SHA1 of the URL and the sorted POST parameters), via `twilio`."""
    if not header or not header.strip():
        return SignatureCheck.MISSING
    if RequestValidator(auth_token).validate(url, params, header.strip()):
        return SignatureCheck.VALID
    return SignatureCheck.INVALID


def signed_url(scheme: str, host: str, path_and_query: str, headers: Mapping[str, str],
               public_url: Optional[str], trust_proxy: bool) -> str:
    """The URL Twilio signed.

    `public_url` (the webhook URL exactly as configured at Twilio) wins. Otherwise the URL this
    server saw, where `X-Forwarded-Proto` / `X-Forwarded-Host` replace scheme and host only when
    the deployment says a trusted reverse proxy sets them (anyone can send those headers).
    """
    if public_url:
        return public_url
    if trust_proxy:
        scheme = _first(headers.get("x-forwarded-proto")) or scheme
        host = _first(headers.get("x-forwarded-host")) or host
    return f"{scheme}://{host}{path_and_query}"


def _first(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    first = value.split(",")[0].strip()
    return first or None
