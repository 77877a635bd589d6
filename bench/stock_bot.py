"""The stock bot: `rasa init --no-prompt` in a temporary folder, its default config kept, its
tracker store switched to SQL (SQLite) like this assistant's."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping

import yaml

from bench.procs import run_timed
from scripts.services import Service, rasa_executable

INIT_TIMEOUT_S = 1800.0


def create(folder: Path, env: Mapping[str, str], log_dir: Path) -> Path:
    """Runs `rasa init --no-prompt --init-dir <folder>/stock` (it also trains a first model,
    which the benchmark does not use) and returns the project folder."""
    project = folder / "stock"
    project.mkdir(parents=True)
    run_timed("rasa init", [rasa_executable(), "init", "--no-prompt", "--init-dir", str(project)],
              cwd=project, env={**env, "RASA_CACHE_DIRECTORY": str(folder / "init-cache")},
              log_path=log_dir / "stock-init.log", timeout_s=INIT_TIMEOUT_S)
    return project


def sql_tracker_store(endpoints_text: str, db_path: Path) -> str:
    """The endpoints.yml text with an SQLite tracker store (pure; other keys kept)."""
    data: Dict[str, Any] = yaml.safe_load(endpoints_text) or {}
    data["tracker_store"] = {"type": "SQL", "dialect": "sqlite", "db": str(db_path)}
    return ("# rasa init's endpoints.yml, its tracker store switched to SQLite by the benchmark\n"
            + yaml.safe_dump(data, sort_keys=False))


def use_sql_tracker_store(project: Path, db_path: Path) -> Path:
    endpoints = project / "endpoints.yml"
    endpoints.write_text(sql_tracker_store(endpoints.read_text(), db_path))
    return endpoints


def training_argv(project: Path, out: Path) -> List[str]:
    return [rasa_executable(), "train", "--force", "--config", str(project / "config.yml"),
            "--domain", str(project / "domain.yml"), "--data", str(project / "data"),
            "--out", str(out)]


def service(project: Path, model_dir: Path, port: int, token: str,
            env: Mapping[str, str]) -> Service:
    """`rasa run` for the stock bot, with the same channel and API flags as the assistant's."""
    argv = [rasa_executable(), "run", "--enable-api", f"--auth-token={token}",
            "--interface", "127.0.0.1", "--port", str(port),
            "--credentials", str(project / "credentials.yml"),
            "--endpoints", str(project / "endpoints.yml"),
            "--model", str(model_dir)]
    return Service("stock-rasa", argv, "127.0.0.1", port, f"/status?token={token}", dict(env))
