"""The real PostgreSQL and Redis servers, used without touching their configuration: a database
of our own per test session (created through the `postgres` maintenance database, dropped at
the end) and a random alphanumeric Redis key prefix (its keys deleted at the end).

Where they are (defaults: this machine, PostgreSQL with trust authentication):
`SCALEOUT_POSTGRES_HOST` (127.0.0.1), `SCALEOUT_POSTGRES_PORT` (5432), `SCALEOUT_POSTGRES_USER`
(the first of `postgres`, `root` and the login name that can connect),
`SCALEOUT_POSTGRES_PASSWORD` (empty), `SCALEOUT_REDIS_HOST` (127.0.0.1), `SCALEOUT_REDIS_PORT`
(6379), `SCALEOUT_REDIS_DB` (0): the names `scripts/backing_services.py` reads.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, List, Optional, Tuple

import psycopg2
import redis
from psycopg2 import sql


class BackendUnavailable(RuntimeError):
    """PostgreSQL or Redis cannot be reached; the message says where and how to configure."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def connect(self, database: str = "postgres") -> psycopg2.extensions.connection:
        return psycopg2.connect(host=self.host, port=self.port, user=self.user,
                                password=self.password or None, dbname=database,
                                connect_timeout=10)

    def url(self, database: str, host: Optional[str] = None, port: Optional[int] = None
            ) -> str:
        """An SQLAlchemy URL for `database`, optionally through another host and port (a
        proxy)."""
        secret = f":{self.password}" if self.password else ""
        return (f"postgresql://{self.user}{secret}@{host or self.host}:{port or self.port}/"
                f"{database}")

    def create_database(self, prefix: str = "physio_test") -> str:
        name = f"{prefix}_{secrets.token_hex(5)}"
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            conn.close()
        return name

    def drop_database(self, name: str) -> None:
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(
                    sql.Identifier(name)))
        finally:
            conn.close()

    def query(self, database: str, statement: str,
              params: Tuple[object, ...] = ()) -> List[Tuple[object, ...]]:
        conn = self.connect(database)
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
                return list(cursor.fetchall())
        finally:
            conn.close()


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int
    db: int

    def client(self) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, db=self.db, socket_timeout=10)

    @staticmethod
    def new_prefix(stem: str = "physiotest") -> str:
        prefix = stem + secrets.token_hex(6)
        assert prefix.isalnum()
        return prefix

    def keys(self, prefix: str) -> List[str]:
        with contextlib.closing(self.client()) as client:
            return sorted(k.decode() for k in client.scan_iter(match=f"{prefix}:*", count=500))

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.isalnum():  # never a pattern that could match other applications' keys
            raise ValueError(f"refusing to delete keys of prefix {prefix!r}")
        deleted = 0
        with contextlib.closing(self.client()) as client:
            batch = []
            for key in client.scan_iter(match=f"{prefix}:*", count=500):
                batch.append(key)
                if len(batch) >= 500:
                    deleted += int(client.delete(*batch))
                    batch = []
            if batch:
                deleted += int(client.delete(*batch))
        return deleted


@lru_cache(maxsize=1)
def postgres() -> PostgresServer:
    env = os.environ
    host = env.get("SCALEOUT_POSTGRES_HOST", "127.0.0.1")
    port = int(env.get("SCALEOUT_POSTGRES_PORT", "5432"))
    password = env.get("SCALEOUT_POSTGRES_PASSWORD", "")
    users = [env["SCALEOUT_POSTGRES_USER"]] if env.get("SCALEOUT_POSTGRES_USER") else [
        "postgres", "root", getpass.getuser()]
    errors = []
    for user in dict.fromkeys(users):
        server = PostgresServer(host, port, user, password)
        try:
            server.connect().close()
            return server
        except psycopg2.Error as error:
            errors.append(f"{user}: {str(error).strip().splitlines()[0]}")
    raise BackendUnavailable(
        f"PostgreSQL at {host}:{port} accepts none of the users tried ({'; '.join(errors)}); "
        "set SCALEOUT_POSTGRES_HOST, _PORT, _USER, _PASSWORD")


@lru_cache(maxsize=1)
def redis_server() -> RedisServer:
    env = os.environ
    server = RedisServer(env.get("SCALEOUT_REDIS_HOST", "127.0.0.1"),
                         int(env.get("SCALEOUT_REDIS_PORT", "6379")),
                         int(env.get("SCALEOUT_REDIS_DB", "0")))
    try:
        with contextlib.closing(server.client()) as client:
            client.ping()
    except redis.RedisError as error:
        raise BackendUnavailable(
            f"Redis at {server.host}:{server.port} cannot be reached ({error}); set "
            "SCALEOUT_REDIS_HOST, _PORT, _DB") from error
    return server


@dataclass(frozen=True)
class SessionBackends:
    """This test session's own database and key prefix on the shared servers."""

    pg: PostgresServer
    redis: RedisServer
    database: str
    key_prefix: str


@contextlib.contextmanager
def session_backends(stem: str = "physio_test") -> Iterator[SessionBackends]:
    """Creates a database and picks a key prefix; drops and deletes them afterwards."""
    pg, rds = postgres(), redis_server()
    database = pg.create_database(stem)
    prefix = rds.new_prefix(stem.replace("_", ""))
    try:
        yield SessionBackends(pg, rds, database, prefix)
    finally:
        try:
            pg.drop_database(database)
        finally:
            rds.delete_prefix(prefix)
