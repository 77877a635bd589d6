"""A small client for the Rasa server's HTTP API: read a tracker, append events.

Errors become `RasaError`s carrying what staff need to know (unreachable, refused, failed) and
nothing else: the request URL holds the API token and the response body may echo conversation
content, so neither is kept in an exception or a log line.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Mapping, Optional, Protocol, Sequence

import aiohttp
from yarl import URL

from privacy import conversation_ref

logger = logging.getLogger("frontdesk.rasa")


class RasaError(Exception):
    """The Rasa HTTP API could not do what was asked."""

    def __init__(self, kind: str, status: Optional[int] = None) -> None:
        super().__init__(kind if status is None else f"{kind} (HTTP {status})")
        self.kind = kind
        self.status = status

    def staff_message(self, consequence: str) -> str:
        """A sentence for staff: what went wrong, then `consequence` (e.g. "The reply was not
        sent.")."""
        if self.kind == "unavailable":
            cause = "The assistant's server (Rasa) could not be reached."
        elif self.status in (401, 403):
            cause = ("The assistant's server refused the console's credentials "
                     "(check RASA_TOKEN).")
        elif self.status is not None and self.status < 500:
            cause = f"The assistant's server refused the request (HTTP {self.status})."
        elif self.status is not None:
            cause = f"The assistant's server failed (HTTP {self.status})."
        else:
            cause = "The assistant's server sent a response the console could not read."
        return f"{cause} {consequence}".strip()


class RasaUnavailable(RasaError):
    def __init__(self) -> None:
        super().__init__("unavailable")


class RasaRejected(RasaError):
    def __init__(self, status: int) -> None:
        super().__init__("rejected", status)


class RasaBadResponse(RasaError):
    def __init__(self, status: int) -> None:
        super().__init__("bad_response", status)


class RasaGateway(Protocol):
    """What the console needs from Rasa; tests may pass any object with these methods."""

    async def tracker(self, conversation_id: str) -> Dict[str, Any]: ...

    async def append_events(self, conversation_id: str,
                            events: Sequence[Mapping[str, Any]]) -> None: ...


class RasaClient:
    """Talks to `base_url` with `token`; create it in a start-up listener, `close()` at stop."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self._base = URL(base_url.rstrip("/"))
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout,
                                                  raise_for_status=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _url(self, conversation_id: str, *tail: str) -> URL:
        # yarl quotes each segment; ':' and '+' (as in "whatsapp:+27...") stay as they are,
        # which is what Rasa's Sanic router matches (it does not unquote path parameters).
        url = self._base / "conversations" / conversation_id
        for part in tail:
            url = url / part
        return url

    def _query(self, **extra: str) -> Dict[str, str]:
        query = dict(extra)
        if self._token:
            query["token"] = self._token
        return query

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation's tracker with every event (`include_events=ALL`)."""
        body = await self._request("GET", conversation_id, "tracker", None,
                                   self._query(include_events="ALL"))
        if not isinstance(body, dict):
            raise RasaBadResponse(200)
        return body

    async def append_events(self, conversation_id: str,
                            events: Sequence[Mapping[str, Any]]) -> None:
        """Appends `events` and has Rasa send bot messages on the visitor's latest channel."""
        await self._request("POST", conversation_id, "tracker/events", [dict(e) for e in events],
                            self._query(output_channel="latest", execute_side_effects="true"))

    async def _request(self, method: str, conversation_id: str, tail: str,
                       payload: Optional[List[Dict[str, Any]]],
                       query: Dict[str, str]) -> Any:
        if self._session is None:
            await self.start()
        session = self._session
        if session is None:
            raise RasaUnavailable()
        url = self._url(conversation_id, *tail.split("/")).with_query(query)
        ref = conversation_ref(conversation_id)
        try:
            async with session.request(method, url, json=payload) as reply:
                if reply.status >= 400:
                    logger.warning("frontdesk.rasa.rejected method=%s endpoint=%s status=%s "
                                   "conversation=%s", method, tail, reply.status, ref)
                    raise RasaRejected(reply.status)
                try:
                    return await reply.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    logger.warning("frontdesk.rasa.bad_response method=%s endpoint=%s "
                                   "status=%s conversation=%s", method, tail, reply.status, ref)
                    raise RasaBadResponse(reply.status) from None
        except RasaError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            logger.warning("frontdesk.rasa.unavailable method=%s endpoint=%s error=%s "
                           "conversation=%s", method, tail, type(exc).__name__, ref)
            raise RasaUnavailable() from None
