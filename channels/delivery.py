"""What happens after a send: a masked log line, and for a final failure a `DeliveryFailure`
row the front desk sees. A send that failed never raises into Rasa: the turn is still saved in
the tracker, and the failure is on record instead of lost."""

from __future__ import annotations

import logging
from typing import Optional

from channels.channel_store import STORE_ERRORS, AsyncChannelState
from channels.retrying_sender import SendOutcome
from channels.structured_log import describe_exception, log_event, visitor_fields

logger = logging.getLogger(__name__)


class DeliveryReport:
    def __init__(self, channel: str, state: AsyncChannelState) -> None:
        self.channel = channel
        self.state = state

    def sent(self, conversation_id: str, what: str, outcome: SendOutcome) -> None:
        level = logging.INFO if outcome.attempts > 1 else logging.DEBUG
        log_event(logger, level, f"{self.channel}.send.ok", **visitor_fields(conversation_id),
                  what=what, attempts=outcome.attempts)

    async def failed(self, conversation_id: str, what: str,
                     outcome: Optional[SendOutcome] = None, reason: Optional[str] = None) -> None:
        result = outcome.result if outcome is not None else None
        log_event(logger, logging.ERROR, f"{self.channel}.send.failed",
                  **visitor_fields(conversation_id), what=what,
                  status=result.status if result else None,
                  code=result.code if result else None,
                  attempts=outcome.attempts if outcome else None,
                  reason=reason)
        detail = reason or (result.error if result else None) or "unknown error"
        attempts = f" after {outcome.attempts} attempt(s)" if outcome else ""
        await self.record(conversation_id, f"{what} not delivered{attempts}: {detail}")

    async def record(self, conversation_id: str, error: str) -> None:
        """Records a failure for staff; if even that fails, the log line says so."""
        try:
            await self.state.record_delivery_failure(conversation_id, self.channel, error)
        except STORE_ERRORS as exc:
            log_event(logger, logging.CRITICAL, f"{self.channel}.failure.not_recorded",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
