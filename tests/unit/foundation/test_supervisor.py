from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from scripts import run_all
from scripts.services import Settings, assistant_services, port_in_use, read_or_create_token


def test_the_environment_token_wins(tmp_path: Path) -> None:
    token, created = read_or_create_token({"RASA_TOKEN": "from-env"}, tmp_path / "t")
    assert (token, created) == ("from-env", False)
    assert not (tmp_path / "t").exists()


def test_a_token_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "rasa_token"
    first, created = read_or_create_token({}, path)
    again, created_again = read_or_create_token({}, path)
    assert created and not created_again
    assert first == again and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rasa_is_started_with_the_token_api_and_both_channels() -> None:
    settings = Settings(token="tok", rasa_port=6005, action_port=6055)
    rasa = next(s for s in assistant_services(settings, {}) if s.name == "rasa")
    argv = list(rasa.argv)
    assert "--auth-token=tok" in argv  # one argument: a token may start with "-"
    assert "--enable-api" in argv
    assert argv[argv.index("--port") + 1] == "6005"
    assert rasa.health_url.endswith("/status?token=tok")


def test_services_bind_loopback_by_default() -> None:
    for service in assistant_services(Settings(token="t"), {}):
        assert service.host == "127.0.0.1"


def test_port_probe_sees_a_listening_socket() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use("127.0.0.1", port)


def test_a_second_supervisor_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    first = run_all.take_run_lock(tmp_path)
    assert first is not None
    try:
        assert run_all.take_run_lock(tmp_path) is None
        assert "already running" in capsys.readouterr().out
    finally:
        first.close()
    second = run_all.take_run_lock(tmp_path)  # released with the first supervisor
    assert second is not None
    second.close()
