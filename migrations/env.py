"""Alembic's entry point: migrate the connection ``store.db.create_schema`` hands in, or, from
the ``alembic`` command, the database ``OMBUDSFLOW_DATABASE_URL`` names.

Revisions are compared with and generated from the models' metadata. Model column types are
rendered as the plain SQLAlchemy types they store, so a revision never imports model code that
may change after it was written.
"""

import logging.config
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, TypeDecorator
from sqlmodel import SQLModel

from ombudsflow.config import get_settings
from store import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from store.db import lock_for_migrations, make_engine

config = context.config


def render_item(type_: str, obj: Any, autogen_context: AutogenContext
                ) -> str | Literal[False]:
    """``UtcDateTime`` becomes ``sa.DateTime(timezone=True)``, ``AutoString`` ``sa.String``."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def configure(**options: Any) -> None:
    context.configure(
        target_metadata=SQLModel.metadata, compare_type=True, render_item=render_item,
        **options,
    )


def run_online(connection: Connection) -> None:
    # SQLite cannot ALTER most things: batch mode copies the table instead.
    configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    handed_in: Connection | None = config.attributes.get("connection")
    if handed_in is not None:
        run_online(handed_in)
        return
    if config.config_file_name is not None:  # the alembic command: log as alembic.ini says
        logging.config.fileConfig(config.config_file_name)
    url = get_settings().database_url
    if context.is_offline_mode():  # `alembic upgrade head --sql`: a script for a DBA
        configure(url=url, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            lock_for_migrations(connection)
            run_online(connection)
    finally:
        engine.dispose()


main()
