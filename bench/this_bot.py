"""This assistant: the project's trained model in models/ and its action server, started the
way the integration tests start them (free ports, its own SQLite tracker store and database)."""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path
from typing import List, Mapping, Optional, Tuple

import yaml

from bench.procs import run_timed
from scripts.services import ROOT, Service, Settings, assistant_services, rasa_executable
from tests.integration.harness import free_port, write_endpoints

MODELS = ROOT / "models"
MAKE_TRAIN_TIMEOUT_S = 3600.0


def latest_model(models: Path = MODELS) -> Optional[Path]:
    """The model `rasa run --model models/` loads: the newest archive."""
    archives = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return archives[-1] if archives else None


def ensure_model(env: Mapping[str, str], log_dir: Path) -> Path:
    """The project's model; trains it with `make train` first when there is none."""
    model = latest_model()
    if model is None:
        print("no trained model in models/: running `make train` first", flush=True)
        run_timed("make train", ["make", "train"], cwd=ROOT, env=env,
                  log_path=log_dir / "make-train.log", timeout_s=MAKE_TRAIN_TIMEOUT_S)
        model = latest_model()
        if model is None:
            raise FileNotFoundError("`make train` left no model in models/")
    return model


def training_argv(out: Path) -> List[str]:
    """The project's `make train` command, forced, into another folder (run it from ROOT)."""
    return [rasa_executable(), "train", "--force", "--config", str(ROOT / "config.yml"),
            "--domain", str(ROOT / "domain"), "--data", str(ROOT / "data"), "--out", str(out)]


def use_redis_lock_store(endpoints: Path, redis: Tuple[str, int], db: int = 5) -> None:
    """The lock store that lets several Sanic workers share conversations (the production
    one, serving/lock_store.py), with keys of this run only."""
    config = yaml.safe_load(endpoints.read_text())
    config["lock_store"] = {"type": "serving.lock_store.AtomicRedisLockStore",
                            "url": redis[0], "port": redis[1], "db": db,
                            "key_prefix": "bench" + secrets.token_hex(4)}
    endpoints.write_text(yaml.safe_dump(config))


def services(workdir: Path, env: Mapping[str, str], workers: int = 1,
             redis: Optional[Tuple[str, int]] = None) -> List[Service]:
    """The action server, then the Rasa server, on free ports, with data under `workdir`.
    More than one Sanic worker needs Redis for the lock store (Rasa refuses otherwise)."""
    if workers > 1 and redis is None:
        raise ValueError("several Rasa workers need a Redis lock store")
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(workdir / "endpoints.yml", action_port, workdir / "tracker.db")
    if workers > 1 and redis is not None:
        use_redis_lock_store(endpoints, redis)
    settings = Settings(host="127.0.0.1", rasa_port=rasa_port, action_port=action_port,
                        console_port=free_port(), web_port=free_port(),
                        token=secrets.token_urlsafe(16), endpoints=endpoints,
                        database_url=f"sqlite:///{workdir / 'clinic.db'}", models=MODELS)
    action_server, rasa = assistant_services(settings, env)
    if workers > 1:
        rasa = dataclasses.replace(rasa, env={**rasa.env, "SANIC_WORKERS": str(workers)})
    return [action_server, rasa]
