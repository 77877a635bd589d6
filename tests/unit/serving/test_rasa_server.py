"""The Rasa server's process runs without JAX, and TensorFlow and Rasa still import and work;
loading the model also gets the server ready, before it serves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest

import serving.rasa_server
from scripts.services import Settings, assistant_services

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import serving.rasa_server
import tensorflow as tf
import rasa.core.agent
assert float(tf.reduce_sum(tf.constant([1.0, 2.0]))) == 3.0
assert sys.modules.get("jax") is None, "jax was imported"
try:
    import jax
except ImportError:
    print("jax blocked")
"""


def test_tensorflow_and_rasa_import_without_jax() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3",
                                                      "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "jax blocked" in done.stdout


def test_the_launcher_is_rasas_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "serving.rasa_server", "run", "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--enable-api" in done.stdout


def test_the_rasa_service_is_started_through_the_launcher() -> None:
    rasa = next(s for s in assistant_services(Settings(token="t"), {}) if s.name == "rasa")
    assert list(rasa.argv[1:4]) == ["-m", "serving.rasa_server", "run"]


def test_rasa_loads_its_model_through_the_name_we_wrap_before_serving() -> None:
    """serving.rasa_server wraps `rasa.core.run.load_agent_on_start`: Rasa must still look it
    up by that name when it registers its before-serving step (fails on a Rasa change)."""
    import inspect

    import rasa.core.run

    source = inspect.getsource(rasa.core.run.serve_application)
    assert "partial(load_agent_on_start," in source
    assert '"before_server_start"' in source
    # The number of workers, asked in Sanic's main process before it forks them, through the
    # module attribute serving.rasa_server wraps (workers_ready.prepare).
    assert "rasa.core.utils.number_of_sanic_workers(" in source
    assert source.index("number_of_sanic_workers(") < source.index("app.run(")


@pytest.mark.asyncio
async def test_loading_the_model_also_gets_the_server_ready_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa.core.run
    import rasa.core.utils

    from serving import server_hooks

    loaded: List[Any] = []
    readied: List[Any] = []

    async def load_agent_on_start(model_path: Any, endpoints: Any, remote_storage: Any,
                                  app: Any, loop: Any) -> str:
        loaded.append((model_path, app))
        return "agent"

    async def get_ready(app: Any) -> None:
        assert loaded, "the server got ready before its model was loaded"
        readied.append(app)

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", load_agent_on_start)
    monkeypatch.setattr(rasa.core.utils, "number_of_sanic_workers", lambda lock_store: 1)
    monkeypatch.setattr(server_hooks, "get_ready", get_ready)

    async def rehearse_requests(app: Any) -> None:
        assert readied == [app], "the HTTP rehearsal came before the server got ready"
        readied.append("rehearsed over HTTP")

    monkeypatch.setattr(server_hooks, "rehearse_requests", rehearse_requests)
    serving.rasa_server.ready_before_serving()
    wrapped = rasa.core.run.load_agent_on_start
    serving.rasa_server.ready_before_serving()  # a second call does not wrap twice
    assert rasa.core.run.load_agent_on_start is wrapped

    assert rasa.core.utils.number_of_sanic_workers(None) == 1
    app = object()
    assert await wrapped("models/", None, None, app, None) == "agent"
    assert loaded == [("models/", app)] and readied == [app, "rehearsed over HTTP"]


@pytest.mark.asyncio
async def test_with_several_workers_each_waits_for_the_others_after_getting_ready(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa.core.run
    import rasa.core.utils

    from serving import server_hooks, workers_ready

    steps: List[str] = []

    async def load_agent_on_start(*args: Any) -> str:
        steps.append("loaded")
        return "agent"

    async def get_ready(app: Any) -> None:
        steps.append("ready")

    async def rehearse_requests(app: Any) -> None:
        steps.append("rehearsed over HTTP")

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", load_agent_on_start)
    monkeypatch.setattr(rasa.core.utils, "number_of_sanic_workers", lambda lock_store: 2)
    monkeypatch.setattr(server_hooks, "get_ready", get_ready)
    monkeypatch.setattr(server_hooks, "rehearse_requests", rehearse_requests)
    monkeypatch.setattr(workers_ready, "_shared", None)
    serving.rasa_server.ready_before_serving()
    # Sanic's main process asks Rasa how many workers to fork: the shared state is made then.
    assert rasa.core.utils.number_of_sanic_workers(None) == 2
    together = workers_ready.shared()
    assert together is not None and together.workers == 2

    async def arrive_and_wait(timeout_s: float = 0) -> bool:
        steps.append("waited for the others")
        return True

    monkeypatch.setattr(together, "arrive_and_wait", arrive_and_wait)
    assert await rasa.core.run.load_agent_on_start("models/", None, None, object(), None) == "agent"
    assert steps == ["loaded", "ready", "rehearsed over HTTP", "waited for the others"]


KEEP_FREED = """
import json, sys
import serving.rasa_server
print(json.dumps(serving.rasa_server.keep_freed_memory(json.loads(sys.argv[1]))))
"""


@pytest.mark.parametrize("env, applied", [
    ({}, {"trim_threshold": 256 * 1024 * 1024, "top_pad": 64 * 1024 * 1024}),
    ({"MALLOC_TOP_PAD_": "0"}, {"trim_threshold": 256 * 1024 * 1024}),  # the operator's wins
])
def test_glibc_keeps_freed_memory_unless_the_environment_says_otherwise(
        env: dict, applied: dict) -> None:
    import json

    done = subprocess.run([sys.executable, "-c", KEEP_FREED, json.dumps(env)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == applied


def test_the_tensorflow_decision_is_made_before_rasa_is_started(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` decides about TensorFlow (with the run's own arguments) before Rasa's command
    line runs; replaced by recorders here, so this process's imports stay as they are."""
    import rasa.__main__

    from serving import tensorflow_standin

    calls: List[Any] = []
    monkeypatch.setattr(tensorflow_standin, "apply",
                        lambda argv, env: calls.append(("tensorflow", list(argv))))
    monkeypatch.setattr(serving.rasa_server, "keep_freed_memory", lambda: {})
    monkeypatch.setattr(serving.rasa_server, "ready_before_serving", lambda: None)
    monkeypatch.setattr(rasa.__main__, "main", lambda: calls.append(("rasa",)))
    monkeypatch.setattr(sys, "argv", ["rasa", "run", "--model", "models", "--enable-api"])
    serving.rasa_server.main()
    assert calls == [("tensorflow", ["--model", "models", "--enable-api"]), ("rasa",)]
