"""Reading a webhook body with a size limit, before anything else looks at it.

The webhook routes are streaming routes, so Sanic does not buffer the body up to its 100 MB
default: a declared `Content-Length` over the limit is refused unread, and a chunked body is
refused as soon as it passes the limit.
"""

from __future__ import annotations

from typing import List

from sanic.request import Request

DEFAULT_MAX_BODY_BYTES = 256 * 1024


class BodyTooLarge(Exception):
    """The request body is over the channel's limit (answered 413)."""


async def read_limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        _stop_reading_after(request, limit)
        raise BodyTooLarge()
    stream = request.stream
    if stream is None:  # a non-streaming route: Sanic already read the body
        body = request.body or b""
        if len(body) > limit:
            raise BodyTooLarge()
        return body
    chunks: List[bytes] = []
    size = 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            _stop_reading_after(request, limit)
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _stop_reading_after(request: Request, limit: int) -> None:
    """Sanic drains an unread body after the response, up to this limit: keep that small."""
    stream = request.stream
    if stream is not None and hasattr(stream, "request_max_size"):
        stream.request_max_size = limit
