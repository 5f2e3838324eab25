"""Database engine and schema migrations (SQLite by default, PostgreSQL by DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from collab_core.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    """Naive UTC now: the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def db_time(value: datetime) -> datetime:
    """A datetime in the stored form (naive UTC): an aware one is converted, a naive one is taken as UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def aware_utc(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) timestamp as an aware UTC datetime; None stays None."""
    return value.replace(tzinfo=UTC) if value is not None else None


def create_db_engine(settings: Settings) -> Engine:
    """Build the engine; SQLite gets WAL and a busy timeout so concurrent writers wait instead of failing."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        if url == "sqlite://" or ":memory:" in url:
            engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # We emit BEGIN ourselves (below) instead of pysqlite's implicit one.
            dbapi_conn.isolation_level = None

        # Write transactions (opened through write_tx) take the write lock up front with
        # BEGIN IMMEDIATE, so a read-then-write never fails with SQLITE_BUSY on lock upgrade.
        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            immediate = conn.get_execution_options().get("immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    from collab_core.store.pg import sqlalchemy_url

    return create_engine(
        sqlalchemy_url(url),  # postgresql:// (as providers print it) means psycopg 3 here
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
    )


def write_tx(engine: Engine):  # type: ignore[no-untyped-def]
    """A transaction for writes: on SQLite it takes the write lock at BEGIN."""
    return engine.execution_options(immediate=True).begin()


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to run on every start."""
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several app servers may start at once: one migrates, the others wait and find head.
            from collab_core.store.pg import advisory_key

            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({advisory_key('collab:migrate')})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_revision(engine: Engine) -> tuple[str | None, str | None]:
    """(current revision in the database, newest revision shipped)."""
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head
