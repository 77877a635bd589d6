"""`python -m serving.rasa_server run ...`: Rasa's own command line, without TensorFlow when the
model needs none, without JAX in the process, and ready before it serves.

Without TensorFlow: Rasa 3.6 imports it at start whatever the model; when every component of
the model to serve is known to run without it, a stand-in takes its place
(serving/tensorflow_standin.py): about 400 MB less per Rasa process.

Where TensorFlow is loaded: TensorFlow 2.12 imports JAX, when installed, for TFLite's JAX
converter; pip installs JAX because TensorFlow 2.12 requires it. Rasa never converts a JAX
model, and the import alone holds about 120 MB of memory in every Rasa process and adds a
second to start-up. Here `import jax` fails
as if JAX were not installed, which TensorFlow handles (it then has no JAX converter); the rest
is `rasa` itself. Blocked at import time, so a worker process that re-imports this module
(a `spawn` start) is covered too.

Ready before serving: Sanic runs `after_server_start` listeners (where our REST channel gets the
server ready: pooled action-server connections, the warm-up) while its socket already accepts
requests, so a visitor could be served cold, or by a worker still warming up. Rasa loads its
model in `before_server_start`; here that step also gets the server ready, so a worker takes
its first visitor only warm (with several workers, connections wait for, or go to, a worker
that is ready). The `after_server_start` listener stays for a plain `rasa run`; getting ready
happens once either way. Before serving, a message also goes through the worker's own HTTP
handling (serving/http_rehearsal.py). With several workers, each then waits until all are
ready, so that none takes visitors while another still loads and rehearses beside it
(serving/workers_ready.py).

Logs at INFO at most unless debug logs are allowed on purpose (serving/log_safety.py).

Freed memory kept: by default glibc gives freed heap memory back to the system as soon as
128 kB are free at the top of the heap, and every turn then takes it back page by page (page
faults). Here glibc keeps up to 256 MB free and grows the heap 64 MB at a time (`mallopt`, the
same as glibc's MALLOC_TRIM_THRESHOLD_ and MALLOC_TOP_PAD_, which, when set, win): with
visitors back to back after the start-up probe, the first visitors' turns were 2 to 3 ms
slower than later ones without it, 0 to 1 ms with it, and the peak memory under the
benchmark's load was the same (640 MB).
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any, Dict, Mapping

from serving import tensorflow_standin

UNUSED_MODULES = ("jax", "jaxlib")
# glibc's mallopt parameters (malloc.h), the environment variable that sets each, our value
MALLOC_SETTINGS = (
    ("trim_threshold", -1, "MALLOC_TRIM_THRESHOLD_", 256 * 1024 * 1024),
    ("top_pad", -2, "MALLOC_TOP_PAD_", 64 * 1024 * 1024),
)


def block_unused_imports() -> None:
    """Makes `import jax` raise ImportError in this process (unless already imported)."""
    for name in UNUSED_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


block_unused_imports()


def keep_freed_memory(env: Mapping[str, str] = os.environ) -> Dict[str, int]:
    """Sets glibc's trim threshold and top pad (unless set in the environment); returns what
    was set. Nothing on a C library without `mallopt` (not glibc)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return {}
    applied: Dict[str, int] = {}
    for name, parameter, variable, value in MALLOC_SETTINGS:
        if variable not in env and mallopt(parameter, value) == 1:
            applied[name] = value
    return applied


def ready_before_serving() -> None:
    """Makes Rasa's model-loading start-up step also get the server ready (once), and, with
    several workers, wait for the others."""
    import rasa.core.run as rasa_run
    import rasa.core.utils as rasa_utils

    from serving import server_hooks, workers_ready

    load_agent = rasa_run.load_agent_on_start
    if getattr(load_agent, "gets_ready", False):
        return
    count_workers = rasa_utils.number_of_sanic_workers

    def count_workers_and_prepare(*args: Any, **kwargs: Any) -> int:
        workers = count_workers(*args, **kwargs)  # Rasa's answer, in Sanic's main process
        workers_ready.prepare(workers)
        return workers

    async def load_agent_and_get_ready(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent(*args, **kwargs)
        app = kwargs.get("app", args[3] if len(args) > 3 else None)
        if app is not None:
            await server_hooks.get_ready(app)
            await server_hooks.rehearse_requests(app)
        together = workers_ready.shared()
        if together is not None:
            await together.arrive_and_wait()
        return agent

    load_agent_and_get_ready.gets_ready = True  # type: ignore[attr-defined]
    rasa_run.load_agent_on_start = load_agent_and_get_ready
    rasa_utils.number_of_sanic_workers = count_workers_and_prepare  # type: ignore[assignment]


def main() -> None:
    from serving.log_safety import safe_start

    if sys.argv[1:2] == ["run"]:
        start = safe_start(sys.argv, os.environ)  # no visitor's words in the logs
        if start.warning:
            print(f"WARNING {start.warning}", file=sys.stderr, flush=True)
        sys.argv[:] = start.argv
        os.environ.update(start.env_changes)
        tensorflow_standin.apply(sys.argv[2:], os.environ)  # before Rasa imports TensorFlow
        keep_freed_memory()
        ready_before_serving()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
