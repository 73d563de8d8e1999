"""Alembic migrations of the store's schema; ``store.db.create_schema`` applies them."""
