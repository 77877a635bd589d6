"""Wraps every visitor turn, whatever the channel: refuses messages that are too long or too
frequent, and makes sure the visitor always hears something when a store or the action server
fails, never silence and never a stack trace. No message text reaches the logs.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text

import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage

from privacy import conversation_ref
from serving import failure_detector, turn_state
from serving.rate_limit import limiter_for

logger = logging.getLogger(__name__)
MESSAGES = Path(__file__).resolve().parent.parent / "config" / "service_messages.yml"
Handler = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Limits:
    max_message_chars: int = 2000
    messages_per_minute: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        return cls(
            max_message_chars=int(env.get("MAX_MESSAGE_CHARS", cls.max_message_chars)),
            messages_per_minute=int(env.get("MESSAGES_PER_MINUTE", cls.messages_per_minute)),
        )


@lru_cache(maxsize=1)
def service_messages() -> Dict[str, str]:
    from clinic.profile import cached_profile

    raw = yaml.safe_load(MESSAGES.read_text(encoding="utf-8")) or {}
    phone = cached_profile().phone
    return {key: " ".join(str(text).split()).format(phone=phone) for key, text in raw.items()}


class GuardedOutput(OutputChannel):
    """Passes bot messages through, unless this turn lost its conversation store: a reply
    computed on a blank conversation must not reach the visitor."""

    def __init__(self, inner: OutputChannel, state: turn_state.TurnState) -> None:
        self.inner = inner
        self.state = state

    @classmethod
    def name(cls) -> Text:
        return "guarded"

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if not self.state.store_failed:
            await self.inner.send_response(recipient_id, message)


class TurnGuard:
    """`handle_errors=False` lets a turn's exception reach the channel, for channels that
    record failed turns themselves (the WhatsApp channels show them to the front desk)."""

    def __init__(self, limits: Optional[Limits] = None, handle_errors: bool = True) -> None:
        self.handle_errors = handle_errors
        self.limits = limits or Limits.from_env(os.environ)
        self.limiter = limiter_for(os.environ, self.limits.messages_per_minute)
        failure_detector.install()

    def wrap(self, on_new_message: Handler) -> Handler:
        async def guarded(message: UserMessage) -> None:
            await self.handle(message, on_new_message)

        return guarded

    async def handle(self, message: UserMessage, on_new_message: Handler) -> None:
        ref = conversation_ref(message.sender_id)
        text = message.text or ""
        if len(text) > self.limits.max_message_chars:
            logger.info("turn.refused conversation=%s reason=too_long chars=%d", ref, len(text))
            await self.say(message, "too_long")
            return
        if not await self.limiter.admit(str(message.sender_id)):
            logger.info("turn.refused conversation=%s reason=rate_limited", ref)
            await self.say(message, "too_fast")
            return
        state = turn_state.begin()
        real_output = message.output_channel
        message.output_channel = GuardedOutput(real_output, state)
        failed = False
        try:
            await on_new_message(message)
        except Exception as error:
            if not self.handle_errors:
                raise
            failed = True
            logger.error("turn.failed conversation=%s error=%s", ref, type(error).__name__)
        finally:
            message.output_channel = real_output
        if failed or state.store_failed:
            await self.say(message, "try_again")
        elif state.actions_failed:
            logger.error("turn.actions_failed conversation=%s actions=%s", ref,
                         ",".join(sorted(set(state.actions_failed))))
            await self.say(message, "action_failed")

    @staticmethod
    async def say(message: UserMessage, key: str) -> None:
        try:
            await message.output_channel.send_text_message(message.sender_id,
                                                           service_messages()[key])
        except Exception as error:  # noqa: BLE001 - nothing more we can do; say so in the log
            logger.error("turn.notice_failed conversation=%s error=%s",
                         conversation_ref(message.sender_id), type(error).__name__)
