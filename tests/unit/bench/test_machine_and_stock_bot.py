from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.machine import cpu_model, describe, mem_total_gb
from bench.stock_bot import sql_tracker_store, training_argv


def test_cpu_model_and_memory_from_proc_texts() -> None:
    cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n"
    assert cpu_model(cpuinfo) == "Intel(R) Xeon(R)"
    assert cpu_model("") == "unknown CPU"
    assert mem_total_gb("MemTotal:       24684000 kB\n") == 24684000 * 1024 / 1e9
    assert mem_total_gb("") is None


def test_describe_names_the_machine() -> None:
    machine = describe()
    for key in ["date", "cpu", "cores", "memory", "python", "rasa", "load_at_start"]:
        assert machine[key]


def test_the_stock_endpoints_get_an_sqlite_tracker_store() -> None:
    commented = "# This file contains the different endpoints\n#action_endpoint:\n# url: x\n"
    data = yaml.safe_load(sql_tracker_store(commented, Path("/tmp/t.db")))
    assert data == {"tracker_store": {"type": "SQL", "dialect": "sqlite", "db": "/tmp/t.db"}}
    kept = yaml.safe_load(sql_tracker_store(
        "action_endpoint:\n  url: http://a\ntracker_store:\n  type: redis\n", Path("d.db")))
    assert kept["action_endpoint"] == {"url": "http://a"}
    assert kept["tracker_store"]["type"] == "SQL"


def test_stock_training_is_forced_into_the_given_folder() -> None:
    argv = training_argv(Path("/p"), Path("/out"))
    assert argv[1:3] == ["train", "--force"]
    assert argv[argv.index("--out") + 1] == "/out"
    assert argv[argv.index("--config") + 1] == "/p/config.yml"


def test_several_workers_use_the_redis_lock_store(tmp_path: Path) -> None:
    from bench import this_bot

    with pytest.raises(ValueError, match="Redis"):
        this_bot.services(tmp_path, {}, workers=2)
    one = this_bot.services(tmp_path, {}, workers=1)
    assert "SANIC_WORKERS" not in one[-1].env
    two = this_bot.services(tmp_path, {}, workers=2, redis=("127.0.0.1", 6379))
    assert two[-1].env["SANIC_WORKERS"] == "2"
    lock = yaml.safe_load((tmp_path / "endpoints.yml").read_text())["lock_store"]
    assert lock["type"] == "serving.lock_store.AtomicRedisLockStore"
    assert lock["key_prefix"].startswith("bench") and lock["key_prefix"].isalnum()
