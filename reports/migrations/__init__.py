"""Alembic migrations of the report store, run by :func:`reports.store.migrate`."""
