"""Privacy maintenance.

    python -m privacy purge [--days N]      delete data older than the retention
    python -m privacy erase CONVERSATION     erase one conversation everywhere (now)
    python -m privacy run-due                carry out pending erasure requests
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import List, Optional

from privacy.erasure import Eraser, privacy_settings, tracker_engine_from_env
from store.db import Database


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m privacy")
    sub = parser.add_subparsers(dest="command", required=True)
    purge = sub.add_parser("purge", help="delete data older than the retention")
    purge.add_argument("--days", type=int, default=None)
    erase = sub.add_parser("erase", help="erase one conversation's data everywhere")
    erase.add_argument("conversation_id")
    sub.add_parser("run-due", help="carry out pending erasure requests")
    args = parser.parse_args(argv)
    db = Database()
    db.migrate()
    eraser = Eraser(db, tracker_engine_from_env())
    if args.command == "purge":
        days = args.days if args.days is not None else privacy_settings().retention_days
        counts = eraser.purge(timedelta(days=days))
        print("purged: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    elif args.command == "erase":
        eraser.request(args.conversation_id, requested_by="cli")
        eraser.erase_conversation(args.conversation_id)  # an operator's explicit order
        print("erased")
    else:
        print(f"erasure requests carried out: {eraser.run_due()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
