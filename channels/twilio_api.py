"""Twilio's Messages API, called with aiohttp (twilio's own REST client is synchronous and
would block the event loop): `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
form-encoded `From`, `To`, `Body`, `MediaUrl`, HTTP basic auth (account SID, auth token)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import aiohttp

from channels.http_client import LazySession, exchange, scrub
from channels.retrying_sender import (
    AttemptResult,
    RetryPolicy,
    SendOutcome,
    Sleep,
    send_with_retries,
)

DEFAULT_BASE_URL = "https://api.twilio.com"


@dataclass(frozen=True)
class TwilioApiConfig:
    account_sid: str
    auth_token: str
    from_number: str  # "whatsapp:+14155238886"
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 10.0

    @property
    def messages_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"


class TwilioMessagesClient:
    def __init__(self, config: TwilioApiConfig, policy: Optional[RetryPolicy] = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.config = config
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._session = LazySession(config.timeout_s)
        self._auth = aiohttp.BasicAuth(config.account_sid, config.auth_token)

    async def send(self, to: str, body: Optional[str] = None,
                   media_url: Optional[str] = None) -> SendOutcome:
        form: List[Tuple[str, str]] = [("From", self.config.from_number), ("To", to)]
        if body:
            form.append(("Body", body))
        if media_url:
            form.append(("MediaUrl", media_url))
        return await send_with_retries(lambda: self._attempt(form), self.policy, self._sleep,
                                       name="twilio_whatsapp")

    async def close(self) -> None:
        await self._session.close()

    async def _attempt(self, form: List[Tuple[str, str]]) -> AttemptResult:
        session = self._session.get()
        return await exchange(
            lambda: session.post(self.config.messages_url, data=aiohttp.FormData(form),
                                 auth=self._auth),
            read_twilio_error)


def read_twilio_error(status: int, payload: Any, retry_after: Optional[float]) -> AttemptResult:
    """`{"code": 21211, "message": "...", "more_info": "...", "status": 400}`."""
    if not isinstance(payload, dict):
        return AttemptResult(status, error=f"HTTP {status}", retry_after_s=retry_after)
    code = payload.get("code")
    text = scrub(payload.get("message") or "")
    return AttemptResult(status, error=f"HTTP {status} twilio error {code}: {text}".rstrip(": "),
                         retry_after_s=retry_after, code=str(code) if code is not None else None)
