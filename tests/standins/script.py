"""What a stand-in answers next: scripted failures first, then success."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Deque, Optional


@dataclass(frozen=True)
class Failure:
    status: int
    retry_after: Optional[str] = None  # the Retry-After header, verbatim
    code: Optional[int] = None  # the API's own error code in the body


class ResponseScript:
    """Thread-safe: the servers may run in another thread than the test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: Deque[Failure] = deque()
        self._always: Optional[Failure] = None

    def fail_next(self, status: int, times: int = 1, retry_after: Optional[str] = None,
                  code: Optional[int] = None) -> None:
        with self._lock:
            self._queued.extend([Failure(status, retry_after, code)] * times)

    def always_fail(self, status: int, code: Optional[int] = None) -> None:
        with self._lock:
            self._always = Failure(status, None, code)

    def reset(self) -> None:
        with self._lock:
            self._queued.clear()
            self._always = None

    def next_failure(self) -> Optional[Failure]:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
            return self._always
