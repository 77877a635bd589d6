"""Store maintenance: `python -m store migrate`."""

from __future__ import annotations

import argparse
import sys

from store.db import Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="bring the database schema up to date")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        db = Database()
        db.migrate()
        print(f"store: schema up to date ({db.url.split('@')[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
