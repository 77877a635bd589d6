"""Whether PostgreSQL and Redis answer on this machine (exit 0) or not (exit 1, one line why).

`make test` runs the scale-out suite only when they do: it needs real servers, which the
development and CI machines have and a laptop may not.
"""

from __future__ import annotations

import os
import sys

from scripts.services import port_in_use

SERVICES = {
    "PostgreSQL": (os.environ.get("SCALEOUT_POSTGRES_HOST", "127.0.0.1"),
                   int(os.environ.get("SCALEOUT_POSTGRES_PORT", "5432"))),
    "Redis": (os.environ.get("SCALEOUT_REDIS_HOST", "127.0.0.1"),
              int(os.environ.get("SCALEOUT_REDIS_PORT", "6379"))),
}


def main() -> int:
    missing = [f"{name} ({host}:{port})" for name, (host, port) in SERVICES.items()
               if not port_in_use(host, port)]
    if missing:
        print(f"scaleout: SKIPPED, not reachable: {', '.join(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
