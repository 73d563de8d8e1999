"""Engines, sessions and the schema. SQLite (the embedded default) runs in WAL mode so the
worker's activities and the web app can read and write at once; the schema is Alembic's
(``migrations/``), brought to the newest revision by every process that starts."""

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar, cast

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

import migrations

P = ParamSpec("P")
T = TypeVar("T")

WAL_SWITCH_ATTEMPTS = 300  # × 0.1 s, as long as the busy timeout
# pg_advisory_xact_lock key: "ombudsfl" in ASCII, one lock for everything that migrates.
MIGRATION_LOCK = 0x6F6D627564736671
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file (and its folder) is made private first."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        _private_database_file(Path(parsed.database))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        _use_wal(cursor)
        cursor.close()

    return engine


def _private_database_file(path: Path) -> None:
    """The store holds children's personal data: its SQLite file is created 0600 in a folder
    created 0700, and an older file of ours left readable by others is closed (0600). SQLite
    gives its -wal and -shm files the mode of the database file; older ones are closed too."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        with contextlib.suppress(FileNotFoundError):
            found = file.stat()
            if found.st_mode & 0o077 and found.st_uid == os.getuid():
                file.chmod(0o600)


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch a new database file to WAL once. The switch needs the file to itself and does not
    wait on the busy timeout, so a process that opens the file while another migrates retries."""
    for _ in range(WAL_SWITCH_ATTEMPTS):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            time.sleep(0.1)
    raise RuntimeError("could not switch the SQLite store to WAL: the file stayed locked")


def create_schema(engine: Engine) -> None:
    """Upgrade the store's schema to the newest migration; a new database gets every table.

    Every process calls this on start, so two may race: both take the migration lock in one
    transaction, and the second finds the schema at head and does nothing.
    """
    with engine.begin() as connection:
        lock_for_migrations(connection)
        config = _alembic_config()
        if _at_head(connection, config):  # the usual start: nothing to migrate, nothing to log
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _at_head(connection: Connection, config: Config) -> bool:
    """Whether the database is at the newest revision, read without a migration context
    (which logs on creation)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return False
    current = set(connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars())
    return current == set(ScriptDirectory.from_config(config).get_heads())


def lock_for_migrations(connection: Connection) -> None:
    """Hold the database's migration lock until ``connection``'s transaction ends.

    PostgreSQL: a transaction-scoped advisory lock (its DDL is transactional, so a failed
    migration leaves nothing behind). SQLite: ``BEGIN IMMEDIATE`` takes the file's write lock
    at once, and the DDL joins that transaction instead of committing statement by statement.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def insert_for(session: Session, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that takes ON CONFLICT clauses, in the session's dialect (the store runs on
    SQLite and PostgreSQL alike)."""
    return insert_in(session.get_bind().dialect.name, model)


def insert_in(dialect: str, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """``insert_for`` by the dialect's name, for statements built once and kept."""
    if dialect == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def table_of(model: type[SQLModel]) -> Table:
    """The table of a SQLModel class, for Core statements run on the session's connection
    (cheaper than the ORM's bulk paths where no object is wanted back)."""
    return cast(Table, inspect(model).local_table)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


async def in_session(engine: Engine, fn: Callable[Concatenate[Session, P], T], *args: P.args,
                     **kwargs: P.kwargs) -> T:
    """Run a store function in its own transaction, off the event loop (async activities)."""

    def run() -> T:
        with session_scope(engine) as session:
            return fn(session, *args, **kwargs)

    return await asyncio.to_thread(run)
