"""The production compose file stays consistent with the code and the endpoints it uses."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


@pytest.mark.parametrize("name", ["rasa", "actions", "console", "web", "postgres", "redis",
                                  "nginx", "migrate"])
def test_every_part_of_the_product_is_a_service(name: str) -> None:
    assert name in SERVICES


@pytest.mark.parametrize("name", ["rasa", "actions"])
def test_rasa_and_the_action_server_have_replicas(name: str) -> None:
    assert SERVICES[name]["deploy"]["replicas"] >= 2


def test_python_commands_name_modules_that_exist() -> None:
    for name, service in SERVICES.items():
        command = service.get("command") or []
        if command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2]) is not None, name


def test_every_variable_of_the_production_endpoints_is_given_to_rasa() -> None:
    endpoints = yaml.safe_load((ROOT / "config" / "endpoints.production.yml").read_text())
    values = [str(v) for section in endpoints.values() for v in section.values()]
    needed = {name for value in values for name in re.findall(r"\$\{([A-Z_]+)\}", value)}
    environment = SERVICES["rasa"]["environment"]
    assert needed <= set(environment)


def test_rasa_uses_the_production_endpoints_and_the_shipped_credentials() -> None:
    command = SERVICES["rasa"]["command"]
    assert command[command.index("--endpoints") + 1] == "config/endpoints.production.yml"
    assert command[command.index("--credentials") + 1] == "credentials.yml"
    assert any(part.startswith("--auth-token=") for part in command)


@pytest.mark.skipif(shutil.which("docker-compose") is None,
                    reason="docker-compose is not installed on this machine")
def test_docker_compose_accepts_the_file() -> None:
    done = subprocess.run(["docker-compose", "--env-file", str(ROOT / "deploy" / "env.example"),
                           "config", "--quiet"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
