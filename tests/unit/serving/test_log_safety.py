"""The Rasa server never logs at DEBUG (visitors' words, in clear) unless allowed on purpose."""

from __future__ import annotations

import os
import sys
from typing import Dict, List

import pytest

from serving.log_safety import safe_start

RUN = ["serving.rasa_server", "run", "--enable-api", "--port", "5005"]


@pytest.mark.parametrize(("argv", "env", "kept", "changes", "warned"), [
    (RUN, {}, RUN, {}, False),
    ([*RUN, "--debug"], {}, RUN, {}, True),
    ([*RUN, "-vv"], {}, RUN, {}, True),
    ([*RUN, "-v"], {}, [*RUN, "-v"], {}, False),  # verbose is INFO: kept
    ([*RUN, "--quiet"], {}, [*RUN, "--quiet"], {}, False),
    (RUN, {"LOG_LEVEL": "DEBUG"}, RUN, {"LOG_LEVEL": "INFO"}, True),
    (RUN, {"LOG_LEVEL": " debug "}, RUN, {"LOG_LEVEL": "INFO"}, True),
    (RUN, {"LOG_LEVEL": "WARNING"}, RUN, {}, False),
    ([*RUN, "--debug"], {"LOG_LEVEL": "DEBUG"}, RUN, {"LOG_LEVEL": "INFO"}, True),
    # Allowed on purpose: untouched.
    ([*RUN, "--debug"], {"ALLOW_DEBUG_LOGS": "1", "LOG_LEVEL": "DEBUG"}, [*RUN, "--debug"], {},
     False),
    ([*RUN, "--debug"], {"ALLOW_DEBUG_LOGS": "yes"}, RUN, {}, True),  # only "1" allows
])
def test_debug_logs_are_brought_to_info_unless_allowed(
        argv: List[str], env: Dict[str, str], kept: List[str], changes: Dict[str, str],
        warned: bool) -> None:
    start = safe_start(argv, env)
    assert start.argv == kept
    assert start.env_changes == changes
    assert (start.warning is not None) is warned
    if warned:
        assert "ALLOW_DEBUG_LOGS=1" in start.warning and "Running at INFO" in start.warning


def test_the_server_command_starts_rasa_without_the_debug_flag(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import rasa.__main__

    import serving.rasa_server

    seen: Dict[str, object] = {}

    def rasa_main() -> None:
        seen["argv"] = list(sys.argv)
        seen["level"] = os.environ.get("LOG_LEVEL")

    monkeypatch.setattr(rasa.__main__, "main", rasa_main)
    monkeypatch.setattr(serving.rasa_server, "keep_freed_memory", lambda: {})
    monkeypatch.setattr(serving.rasa_server, "ready_before_serving", lambda: None)
    monkeypatch.setattr(sys, "argv", ["rasa_server.py", "run", "--debug", "--port", "5005"])
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.delenv("ALLOW_DEBUG_LOGS", raising=False)
    serving.rasa_server.main()
    assert seen == {"argv": ["rasa_server.py", "run", "--port", "5005"], "level": "INFO"}
    assert "WARNING --debug and LOG_LEVEL=DEBUG ignored" in capsys.readouterr().err
