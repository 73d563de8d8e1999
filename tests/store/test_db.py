"""The SQLite store's files: children's personal data, readable by their owner alone; and a
process that starts on a store already migrated says nothing about migrations."""

import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import create_schema, make_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_is_private_with_its_wal_and_shm_files(tmp_path: Path) -> None:
    folder = tmp_path / "var"
    path = folder / "ombudsflow.db"

    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    with engine.connect() as connection:  # WAL: -wal and -shm exist while a connection is open
        connection.execute(text("SELECT count(*) FROM alembic_version"))
        companions = [folder / "ombudsflow.db-wal", folder / "ombudsflow.db-shm"]
        assert all(p.exists() for p in companions)
        assert [mode(p) for p in companions] == [0o600, 0o600]
    engine.dispose()

    assert mode(folder) == 0o700
    assert mode(path) == 0o600


def test_an_older_store_left_readable_by_others_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "ombudsflow.db"
    previous = os.umask(0o022)
    try:
        sqlite3.connect(path).close()
    finally:
        os.umask(previous)
    assert mode(path) == 0o644

    make_engine(f"sqlite:///{path}").dispose()

    assert mode(path) == 0o600


def test_a_store_at_the_newest_revision_is_not_migrated_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with caplog.at_level(logging.INFO, logger="alembic"):
        create_schema(engine)
        migrated = [r.getMessage() for r in caplog.records]
        caplog.clear()
        create_schema(engine)

    assert any(m.startswith("Running upgrade") for m in migrated)
    assert caplog.records == []
