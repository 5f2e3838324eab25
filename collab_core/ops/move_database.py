"""`migrate --to URL`: move every row from the configured database (SQLite by default) to another one.

Rows keep their ids (so every reference stays valid), sequences are moved past them, the memory
index is rebuilt on the target from the copied messages, and the result is verified: per-table row
counts and a SHA-256 content checksum on both sides, plus vectors per project against messages.

The copy runs in one target transaction: if anything fails, the target is left as it was. The
source is read in one transaction too (a consistent snapshot), and never written.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, func, select, text

from collab_core.errors import ConflictError, ValidationError
from collab_core.settings import Settings
from collab_core.store.engine import create_db_engine, migrate
from collab_core.store.schema import messages as messages_table
from collab_core.store.schema import metadata

# Index bookkeeping is rebuilt on the target (new vector ids), so it is not part of the content.
VOLATILE_COLUMNS: dict[str, frozenset[str]] = {"messages": frozenset({"index_state", "memory_id", "index_error"})}
BATCH = 2000

Say = Callable[[str], None]


@dataclass(frozen=True)
class TableCheck:
    """Rows and content checksum of one table on both sides."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass(frozen=True)
class MigrationReport:
    """What `migrate` copied and whether both sides agree."""

    source: str
    target: str
    tables: list[TableCheck]
    indexed: int = 0
    index_failed: int = 0
    index_checks: dict[int, tuple[int, int]] = field(default_factory=dict)  # project -> (messages, vectors)

    @property
    def ok(self) -> bool:
        return (
            all(t.ok for t in self.tables)
            and self.index_failed == 0
            and all(m == v for m, v in self.index_checks.values())
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "target": self.target,
            "tables": [
                {
                    "table": t.table,
                    "source_rows": t.source_rows,
                    "target_rows": t.target_rows,
                    "source_checksum": t.source_checksum,
                    "target_checksum": t.target_checksum,
                    "ok": t.ok,
                }
                for t in self.tables
            ],
            "indexed": self.indexed,
            "index_failed": self.index_failed,
            "index": {str(p): {"messages": m, "vectors": v} for p, (m, v) in self.index_checks.items()},
        }

    def as_text(self) -> str:
        w = max(len(t.table) for t in self.tables)
        lines = [
            f"source: {self.source}",
            f"target: {self.target}",
            "",
            f"{'table':<{w}}  {'source rows':>11}  {'target rows':>11}  {'source sha256':<16}  {'target sha256':<16}  ok",
        ]
        for t in self.tables:
            lines.append(
                f"{t.table:<{w}}  {t.source_rows:>11,}  {t.target_rows:>11,}  "
                f"{t.source_checksum[:16]:<16}  {t.target_checksum[:16]:<16}  {'yes' if t.ok else 'NO'}"
            )
        lines.append("")
        for pid, (m, v) in sorted(self.index_checks.items()):
            lines.append(f"project {pid}: {m:,} messages to index, {v:,} vectors {'ok' if m == v else 'MISMATCH'}")
        lines.append(f"indexed {self.indexed:,} messages, {self.index_failed:,} failed")
        lines.append("verified: everything matches" if self.ok else "VERIFICATION FAILED")
        return "\n".join(lines)


def redact(url: str) -> str:
    """A URL safe to print (password hidden)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL we can parse: print nothing secret
        return "<database>"


# -- checksums ------------------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat() if value.tzinfo is None else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _columns(table: Table) -> list[Any]:
    skip = VOLATILE_COLUMNS.get(table.name, frozenset())
    return [c for c in table.columns if c.name not in skip]


def table_checksum(conn: Connection, table: Table) -> tuple[int, str]:
    """(rows, sha256) of a table's content in primary-key order, identical for equal data on any backend."""
    cols = _columns(table)
    digest = hashlib.sha256()
    rows = 0
    result = conn.execution_options(yield_per=BATCH).execute(select(*cols).order_by(*table.primary_key.columns))
    for row in result:
        digest.update(
            json.dumps([_norm(v) for v in row], ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        )
        digest.update(b"\n")
        rows += 1
    return rows, digest.hexdigest()


def checksums(conn: Connection) -> dict[str, tuple[int, str]]:
    """Rows and checksum of every table of the schema."""
    return {t.name: table_checksum(conn, t) for t in metadata.sorted_tables}


# -- copy ----------------------------------------------------------------------------------------


def _row_count(conn: Connection) -> int:
    return sum(int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in metadata.sorted_tables)


def _empty_target(conn: Connection) -> None:
    """Delete everything in the target (--force): SQL rows and this app's pgvector tables."""
    tables = list(reversed(metadata.sorted_tables))
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        for (name,) in conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'collab\\_p%'")
        ).all():
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
    else:
        for t in tables:
            conn.execute(t.delete())


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    copied = 0
    result = src.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key.columns))
    for part in result.partitions():
        dst.execute(table.insert(), [dict(r._mapping) for r in part])
        copied += len(part)
    return copied


def _reset_sequences(conn: Connection) -> None:
    """Move PostgreSQL sequences past the copied ids, so the next insert does not collide."""
    if conn.dialect.name != "postgresql":
        return
    for t in metadata.sorted_tables:
        pk = list(t.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        col = pk[0].name
        conn.execute(
            text(
                f'SELECT setval(seq, COALESCE((SELECT max("{col}") FROM "{t.name}"), 0) + 1, false) '
                f"FROM pg_get_serial_sequence(:t, :c) AS seq WHERE seq IS NOT NULL"
            ),
            {"t": t.name, "c": col},
        )


def copy_database(source: Engine, target: Engine, *, force: bool = False, say: Say = lambda _m: None) -> None:
    """Copy every schema table from source to target in one target transaction."""
    with source.connect() as src, src.begin(), target.begin() as dst:
        existing = _row_count(dst)
        if existing and not force:
            raise ConflictError(
                f"The target database is not empty ({existing:,} rows).",
                hint="Use an empty database, or pass --force to delete the target's data first.",
            )
        if existing:
            say(f"emptying the target ({existing:,} rows)…")
            _empty_target(dst)
        for table in metadata.sorted_tables:
            n = _copy_table(src, dst, table)
            if n:
                say(f"copied {table.name}: {n:,} rows")
        _reset_sequences(dst)


# -- the command ----------------------------------------------------------------------------------


def run_migration(
    settings: Settings,
    to_url: str,
    *,
    force: bool = False,
    index: bool = True,
    embedder: Any = None,
    say: Say = lambda _m: None,
    progress: Callable[[int, int], None] | None = None,
) -> MigrationReport:
    """Copy the configured database to `to_url`, rebuild the target's memory index, verify both sides."""
    source_url = settings.resolved_database_url
    if not to_url:
        raise ValidationError("Give the target database URL: --to postgresql+psycopg://USER:PASS@HOST/DB")
    target_settings = replace(settings, database_url=to_url)
    if target_settings.resolved_database_url == source_url:
        raise ValidationError("The target is the configured database itself.")
    source = create_db_engine(settings)
    target = create_db_engine(target_settings)
    try:
        say(f"source {redact(source_url)}: bringing the schema up to date…")
        migrate(source)
        say(f"target {redact(to_url)}: creating the schema…")
        migrate(target)
        copy_database(source, target, force=force, say=say)
        # Verify the copy before the rebuild: reindexing recomputes derived data (index state, insights as of now).
        say("verifying counts and checksums on both sides…")
        with source.connect() as s, s.begin():
            src_sums = checksums(s)
        with target.connect() as t, t.begin():
            dst_sums = checksums(t)
        indexed = failed = 0
        index_checks: dict[int, tuple[int, int]] = {}
        if index:
            say("rebuilding the memory index on the target…")
            from collab_core.hub import Hub
            from collab_core.memory.embeddings import build_embedder

            hub = Hub.open(target_settings, embedder=embedder or build_embedder(target_settings))
            try:
                result = hub.messages.reindex(full=True, progress=progress)
                indexed, failed = result.indexed, result.failed
                with target.connect() as conn:
                    live = dict(
                        conn.execute(
                            select(messages_table.c.project_id, func.count())
                            .where(messages_table.c.deleted_at.is_(None))
                            .group_by(messages_table.c.project_id)
                        ).all()
                    )
                index_checks = {int(pid): (int(n), hub.memory.count(int(pid))) for pid, n in sorted(live.items())}
            finally:
                hub.close()
        tables = [
            TableCheck(name, src_sums[name][0], dst_sums[name][0], src_sums[name][1], dst_sums[name][1])
            for name in src_sums
        ]
        return MigrationReport(
            source=redact(source_url),
            target=redact(to_url),
            tables=tables,
            indexed=indexed,
            index_failed=failed,
            index_checks=index_checks,
        )
    finally:
        source.dispose()
        target.dispose()


def iter_tables() -> Iterable[str]:
    """Names of the tables migrate copies, in dependency order."""
    return [t.name for t in metadata.sorted_tables]
