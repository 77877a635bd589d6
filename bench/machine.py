"""The machine a run happened on: CPU model, cores, memory, Python, Rasa, load."""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Dict, Optional

# Environment variables that change the figures (threads of TensorFlow and BLAS).
RELEVANT_ENV = ("OMP_NUM_THREADS", "TF_INTRA_OP_PARALLELISM_THREADS",
                "TF_INTER_OP_PARALLELISM_THREADS", "TF_ENABLE_ONEDNN_OPTS")


def cpu_model(cpuinfo: str) -> str:
    """The first `model name` of a /proc/cpuinfo text (pure)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware") and value.strip():
            return value.strip()
    return "unknown CPU"


def mem_total_gb(meminfo: str) -> Optional[float]:
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024 / 1e9
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def describe() -> Dict[str, str]:
    memory = mem_total_gb(_read("/proc/meminfo"))
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()}" + (f" ({affinity} usable)" if affinity not in (None,
                                                                          os.cpu_count()) else "")
    env = ", ".join(f"{k}={os.environ[k]}" for k in RELEVANT_ENV if k in os.environ)
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(_read("/proc/cpuinfo")),
        "cores": cores,
        "memory": f"{memory:.1f} GB" if memory is not None else "unknown",
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "rasa": _version("rasa"),
        "rasa_sdk": _version("rasa-sdk"),
        "load_at_start": load_average(),
        "env": env or "(none set)",
    }
