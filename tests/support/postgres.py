"""The PostgreSQL server on loopback, for tests and fault runs that need a database of their
own: created under a fresh name and dropped at the end, so runs never disturb each other."""

from sqlalchemy import Engine, text

from store.db import make_engine

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def run_on_server(statement: str) -> None:
    """Run one statement outside a transaction (CREATE/ALTER/DROP DATABASE need that)."""
    admin = make_engine(f"{POSTGRES_SERVER}/postgres").execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def empty_schema(engine: Engine) -> None:
    """Drop every table, Alembic's version table included, so migrations start from nothing."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
