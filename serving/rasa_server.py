"""`python -m serving.rasa_server run ...`: Rasa's own command line, without JAX in the process,
and ready before it serves.

TensorFlow 2.12 (which Rasa 3.6 imports at start even though this assistant's model uses none
of it) imports JAX, when installed, for TFLite's JAX converter; pip installs JAX because
TensorFlow 2.12 requires it. Rasa never converts a JAX model, and the import alone holds about
120 MB of memory in every Rasa process and adds a second to start-up. Here `import jax` fails
as if JAX were not installed, which TensorFlow handles (it then has no JAX converter); the rest
is `rasa` itself. Blocked at import time, so a worker process that re-imports this module
(a `spawn` start) is covered too.

Ready before serving: Sanic runs `after_server_start` listeners (where our REST channel gets the
server ready: pooled action-server connections, the warm-up) while its socket already accepts
requests, so a visitor could be served cold, or by a worker still warming up. Rasa loads its
model in `before_server_start`; here that step also gets the server ready, so a worker takes
its first visitor only warm (with several workers, connections wait for, or go to, a worker
that is ready). The `after_server_start` listener stays for a plain `rasa run`; getting ready
happens once either way.
"""

from __future__ import annotations

import sys
from typing import Any

UNUSED_MODULES = ("jax", "jaxlib")


def block_unused_imports() -> None:
    """Makes `import jax` raise ImportError in this process (unless already imported)."""
    for name in UNUSED_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


block_unused_imports()


def ready_before_serving() -> None:
    """Makes Rasa's model-loading start-up step also get the server ready (once)."""
    import rasa.core.run as rasa_run

    from serving import server_hooks

    load_agent = rasa_run.load_agent_on_start
    if getattr(load_agent, "gets_ready", False):
        return

    async def load_agent_and_get_ready(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent(*args, **kwargs)
        app = kwargs.get("app", args[3] if len(args) > 3 else None)
        if app is not None:
            await server_hooks.get_ready(app)
        return agent

    load_agent_and_get_ready.gets_ready = True  # type: ignore[attr-defined]
    rasa_run.load_agent_on_start = load_agent_and_get_ready


def main() -> None:
    from rasa.__main__ import main as rasa_main

    if sys.argv[1:2] == ["run"]:
        ready_before_serving()
    rasa_main()


if __name__ == "__main__":
    main()
