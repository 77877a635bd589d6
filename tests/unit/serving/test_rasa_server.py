"""The Rasa server's process runs without JAX, and TensorFlow and Rasa still import and work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
