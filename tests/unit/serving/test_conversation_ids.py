"""Conversation ids the public channels accept, and those no channel makes."""

from __future__ import annotations

from typing import Any

import pytest

from serving.conversation_ids import MAX_LENGTH, problem


@pytest.mark.parametrize("sender", [
    "visitor-1", "+27821234567", "whatsapp:+27821234567", "0123456789abcdef" * 2,
    "visitor-😀", "Thandi's phone", "%2e%2e%2F%00", "x" * MAX_LENGTH])
def test_accepted(sender: str) -> None:
    assert problem(sender) is None


@pytest.mark.parametrize("sender", [
    "", "   ", None, 42, ["a"], "visitor\x00one", "visitor\x01\x1b[2J", "visitor\udc80",
    "visitor\nINFO forged log line", "visitor\u202eevil", "x" * (MAX_LENGTH + 1)])
def test_refused(sender: Any) -> None:
    assert problem(sender) is not None
