"""The change counter: one small row per scope ("p:12:messages", "p:12:tasks", "u:5:inbox") whose version
goes up in the same transaction as every write that scope's readers show.

Open pages check the versions of the scopes they show (one primary-key lookup, or on PostgreSQL a
dictionary lookup kept current by LISTEN/NOTIFY) and re-read their data only when a version moved,
so an idle check costs the same with ten messages or a million.

Why LISTEN/NOTIFY on PostgreSQL: the writer's transaction sends `pg_notify` with the new version,
which PostgreSQL delivers to every listening app server at commit (never before, never for a
rolled-back write). Each server holds one listening connection whatever its number of open
sessions, instead of every session querying the database twice a second. When the listening
connection drops, the feed answers from the table until it has listened again and re-read it, so a
notification lost meanwhile cannot leave a page stale.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping

from sqlalchemy import BigInteger, Column, Connection, DateTime, Engine, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from collab_core.store.engine import utcnow
from collab_core.store.schema import metadata

log = logging.getLogger(__name__)

CHANNEL = "collab_changes"
# How often the listener looks up from waiting to see whether the hub is closing.
STOP_CHECK_S = 0.25

changes = Table(
    "changes",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", DateTime, nullable=False),
)


def project_scope(project_id: int, topic: str) -> str:
    """The scope of one kind of project data: topic is 'messages', 'tasks' or 'meetings'."""
    return f"p:{int(project_id)}:{topic}"


def user_scope(user_id: int, topic: str) -> str:
    """The scope of one user's data: topic is 'inbox' (mentions) or 'projects' (memberships)."""
    return f"u:{int(user_id)}:{topic}"


def bump(conn: Connection, *scopes: str) -> None:
    """Raise the version of each scope inside the caller's transaction (readers see it at commit)."""
    if not scopes:
        return
    now = utcnow()
    rows = [{"scope": s, "version": 1, "changed_at": now} for s in dict.fromkeys(scopes)]
    dialect = conn.dialect.name
    insert = pg_insert(changes) if dialect == "postgresql" else sqlite_insert(changes)
    stmt = insert.on_conflict_do_update(
        index_elements=[changes.c.scope],
        set_={"version": changes.c.version + 1, "changed_at": now},
    ).returning(changes.c.scope, changes.c.version)
    bumped = [tuple(r) for row in rows for r in conn.execute(stmt, row).all()]
    if dialect == "postgresql":
        for scope, version in bumped:
            conn.exec_driver_sql("SELECT pg_notify(%s, %s)", (CHANNEL, f"{scope} {version}"))


def read_versions(conn: Connection, scopes: Iterable[str]) -> dict[str, int]:
    """The versions of these scopes (0 for a scope nothing has written yet), in one indexed query."""
    wanted = list(dict.fromkeys(scopes))
    rows = conn.execute(select(changes.c.scope, changes.c.version).where(changes.c.scope.in_(wanted))).all()
    found = {str(s): int(v) for s, v in rows}
    return {s: found.get(s, 0) for s in wanted}


class ChangeFeed:
    """Answers "which version is this scope at?" for the pages' idle checks.

    On SQLite every check is one primary-key query on the local file. On PostgreSQL a background
    thread listens on CHANNEL and keeps the versions in memory; checks read the dictionary and fall
    back to a query while the listener is not connected.
    """

    def __init__(self, engine: Engine, *, listen: bool | None = None) -> None:
        self.engine = engine
        self._versions: dict[str, int] = {}
        self._synced = False
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if listen if listen is not None else engine.dialect.name == "postgresql":
            self._thread = threading.Thread(target=self._listen_loop, name="collab-change-feed", daemon=True)
            self._thread.start()

    @property
    def listening(self) -> bool:
        """True while PostgreSQL notifications keep the versions current (no query per check)."""
        return self._synced

    def versions(self, scopes: Iterable[str]) -> dict[str, int]:
        """The current version of each scope (0 when nothing was written to it yet)."""
        wanted = tuple(scopes)
        if self._synced:
            with self._cond:
                return {s: self._versions.get(s, 0) for s in wanted}
        with self.engine.connect() as conn:
            return read_versions(conn, wanted)

    def wait_for(self, scope: str, *, above: int, timeout: float) -> int:
        """Block until the scope's version exceeds `above` (or the timeout passes); the version seen."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.versions([scope])[scope]
            left = deadline - time.monotonic()
            if current > above or left <= 0:
                return current
            with self._cond:
                # Woken by a notification; without a listener re-check at the pages' own pace.
                self._cond.wait(min(left, 0.05 if not self._synced else left))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- PostgreSQL listener ------------------------------------------------------------------

    def _apply(self, found: Mapping[str, int], *, synced: bool | None = None) -> None:
        with self._cond:
            for scope, version in found.items():
                if version > self._versions.get(scope, 0):
                    self._versions[scope] = version
            if synced is not None:
                self._synced = synced
            self._cond.notify_all()

    def _listen_loop(self) -> None:
        import psycopg

        from collab_core.store.pg import libpq_url

        url = libpq_url(self.engine.url.render_as_string(hide_password=False))
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Listening first, then reading the table: nothing committed in between is missed.
                    rows = conn.execute("SELECT scope, version FROM changes").fetchall()
                    self._apply({str(s): int(v) for s, v in rows}, synced=True)
                    backoff = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=STOP_CHECK_S):
                            scope, _, version = note.payload.rpartition(" ")
                            if scope and version.isdigit():
                                self._apply({scope: int(version)})
            except Exception as exc:
                if self._stop.is_set():
                    break
                log.warning("change feed: listening on PostgreSQL failed (%s); checks query the table meanwhile", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                with self._cond:
                    self._synced = False
