"""`python -m serving.rasa_server run ...`: Rasa's own command line, without JAX in the process.

TensorFlow 2.12 (which Rasa 3.6 imports at start even though this assistant's model uses none
of it) imports JAX, when installed, for TFLite's JAX converter; pip installs JAX because
TensorFlow 2.12 requires it. Rasa never converts a JAX model, and the import alone holds about
120 MB of memory in every Rasa process and adds a second to start-up. Here `import jax` fails
as if JAX were not installed, which TensorFlow handles (it then has no JAX converter); the rest
is `rasa` itself. Blocked at import time, so a worker process that re-imports this module
(a `spawn` start) is covered too.
"""

from __future__ import annotations

import sys

UNUSED_MODULES = ("jax", "jaxlib")


def block_unused_imports() -> None:
    """Makes `import jax` raise ImportError in this process (unless already imported)."""
    for name in UNUSED_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


block_unused_imports()


def main() -> None:
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
