"""Alembic environment: runs on the connection collab_core.store.engine hands in (SQLite or PostgreSQL)."""

from alembic import context

from collab_core.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is run by hand
    raise RuntimeError("Run migrations through collab_core.store.engine.migrate(), which passes a connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
