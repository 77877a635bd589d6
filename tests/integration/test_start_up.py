"""The Rasa server gets ready before it serves: a rehearsed conversation per worker, in memory,
and a message through its own HTTP handling, that leave nothing in the conversation store."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

from tests.integration.harness import Assistant


def rasa_log(assistant: Assistant) -> str:
    return (assistant.group.log_dir / "rasa.log").read_text(errors="replace")


def test_the_server_rehearses_a_conversation_before_it_takes_visitors(
        assistant: Assistant) -> None:
    log = rasa_log(assistant)
    rehearsed = re.search(r"server\.warm_up\.rehearsed turns=(\d+) replies=(\d+)", log)
    assert rehearsed, "no rehearsal in the Rasa log"
    assert int(rehearsed.group(2)) >= int(rehearsed.group(1))  # every turn was answered
    assert "server.warm_up.failed" not in log
    assert "server.serving ready_before=True" in log
    assert log.index("server.warm_up.done") < log.index("server.serving")


def test_a_message_goes_through_the_servers_own_http_handling_before_it_serves(
        assistant: Assistant) -> None:
    log = rasa_log(assistant)
    rehearsed = re.search(r"server\.warm_up\.http status=(\d+) replies=(\d+)", log)
    assert rehearsed, "no HTTP rehearsal in the Rasa log"
    assert rehearsed.group(1) == "200" and int(rehearsed.group(2)) >= 1
    assert "server.warm_up.http_failed" not in log
    assert log.index("server.warm_up.http") < log.index("server.serving")


def test_the_rehearsal_leaves_nothing_in_the_conversation_store(assistant: Assistant) -> None:
    assistant.send("it-after-warm-up", "hi")  # the store has been written to by now
    with closing(sqlite3.connect(assistant.workdir / "tracker.db")) as db:
        senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert "it-after-warm-up" in senders
    assert not [s for s in senders if s.startswith("warm-up")]


def test_the_server_runs_its_model_without_loading_tensorflow(assistant: Assistant) -> None:
    """The model uses no TensorFlow component, so the Rasa process never maps TensorFlow's
    library (serving/tensorflow_standin.py), and still answers."""
    log = rasa_log(assistant)
    assert "server.tensorflow loaded=False reason='the model " in log
    pid = assistant.group.children["rasa"].pid
    with open(f"/proc/{pid}/maps") as maps:
        mapped = maps.read()
    assert "libpython" in mapped or "python" in mapped  # the maps of the right process
    assert "libtensorflow" not in mapped
    assert assistant.send("it-without-tensorflow", "hi")
