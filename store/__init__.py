"""The SQL store: what must be queried fast (cases, steps, notices, publications).

Written only by activities and the intake, idempotently; read by the CLI and the web app.
SQLite by default, PostgreSQL by URL.
"""
