"""Every store test runs twice: on a SQLite file and on the PostgreSQL server.

Each test session gets its own PostgreSQL database, dropped at the end, so dropping and
recreating tables never disturbs another suite (or another run of this one) on the server.
"""

from tests.support.stores import engine, postgres_url

__all__ = ["engine", "postgres_url"]
