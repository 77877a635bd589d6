"""The WhatsApp Cloud API's send endpoint: `POST {base}/{version}/{phone_number_id}/messages`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Optional

from channels.cloud_messages import GraphMessage
from channels.http_client import LazySession, exchange, scrub
from channels.retrying_sender import (
    AttemptResult,
    RetryPolicy,
    SendOutcome,
    Sleep,
    send_with_retries,
)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v24.0"
# Graph error codes that mean "later" even when they come with HTTP 400: API-level throttling
# (4, 80007), Cloud API throughput (130429) and pair rate limits (131056), temporary service
# errors (1, 2, 131000, 131016).
TEMPORARY_ERROR_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})


@dataclass(frozen=True)
class GraphApiConfig:
    access_token: str
    phone_number_id: str
    api_version: str = DEFAULT_API_VERSION
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = 10.0

    @property
    def messages_url(self) -> str:
        return (f"{self.base_url.rstrip('/')}/{self.api_version.strip('/')}/"
                f"{self.phone_number_id}/messages")


class GraphApiClient:
    def __init__(self, config: GraphApiConfig, policy: Optional[RetryPolicy] = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.config = config
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._session = LazySession(config.timeout_s)

    async def send(self, message: GraphMessage) -> SendOutcome:
        return await send_with_retries(lambda: self._attempt(message), self.policy, self._sleep,
                                       name="whatsapp")

    async def close(self) -> None:
        await self._session.close()

    async def _attempt(self, message: GraphMessage) -> AttemptResult:
        session = self._session.get()
        headers = {"Authorization": f"Bearer {self.config.access_token}"}
        return await exchange(
            lambda: session.post(self.config.messages_url, json=message, headers=headers),
            read_graph_error)


def read_graph_error(status: int, payload: Any, retry_after: Optional[float]) -> AttemptResult:
    """`{"error": {"message", "type", "code", "error_subcode", "error_data", "fbtrace_id"}}`."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return AttemptResult(status, error=f"HTTP {status}", retry_after_s=retry_after)
    code = error.get("code")
    details = error.get("error_data", {}).get("details") if isinstance(
        error.get("error_data"), dict) else None
    text = scrub(details or error.get("message") or "")
    return AttemptResult(status, error=f"HTTP {status} graph error {code}: {text}".rstrip(": "),
                         retry_after_s=retry_after, code=str(code) if code is not None else None,
                         temporary=code in TEMPORARY_ERROR_CODES)
