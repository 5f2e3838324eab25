"""InsightService: keeps a project's commitments, decisions, board proposals and risk radar current.

A posted message only marks its project dirty (inside the posting transaction, microseconds); one
background thread then folds the new messages into the project's live `RiskRadar` (one message's work
plus one pass over the tasks), stores the radar with its states, and reruns the extraction over the
newest messages in a batch, rate-limited so it never competes with people's requests for long. Nothing
here runs inside a post. `refresh()` does the same work inline (tests, the eval, `reindex`), and
`rebuild()` recomputes everything from SQL. The reads and the people's actions are in `queries` and `actions`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, func, select

from collab_core.errors import ValidationError
from collab_core.people.roles import require
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import messages as messages_table
from collab_core.store.schema import tasks as tasks_table

from .actions import InsightActions
from .extract import Insights, extract
from .loader import Keys, load_members, load_messages, load_snapshot, load_tasks
from .model import Msg
from .notices import post_notices
from .persist import save_extraction, save_risks
from .queries import InsightQueries
from .risks import RiskRadar, RiskSettings
from .tables import insight_commitments, insight_decisions, insight_proposals, insight_risks, insight_settings
from .values import SETTING_RANGES, RefreshResult, settings_dict

if TYPE_CHECKING:
    from collab_core.chat.messages import MessageService
    from collab_core.models import Message
    from collab_core.people.accounts import Accounts
    from collab_core.work.tasks import TaskService

log = logging.getLogger(__name__)

# The extraction reads the newest messages of a project on each run (older results stay stored).
EXTRACT_WINDOW = 3000
Embed = Callable[[list[str]], np.ndarray]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Live:
    """The in-memory radar of one project and what it has folded so far."""

    radar: RiskRadar
    messages: list[Msg]
    keys: Keys
    last_id: int
    board: tuple[Any, ...]
    settings: RiskSettings
    found: Insights = field(default_factory=Insights)


class InsightService(InsightQueries, InsightActions):
    """Commitments, decisions, board proposals, risks and assignment suggestions of every project."""

    def __init__(
        self,
        *,
        engine: Engine,
        messages: MessageService,
        tasks: TaskService,
        accounts: Accounts,
        embed: Embed | None = None,
        clock: Callable[[], datetime] = _utc_now,
        task_key: str = "id",
        background: bool = True,
        batch_delay_s: float = 0.3,
    ) -> None:
        self.engine = engine
        self.messages = messages
        self.tasks = tasks
        self.accounts = accounts
        self.embed = embed
        self.clock = clock
        self.task_key = task_key
        self.zones: dict[str, str] = {}  # display name -> IANA time zone, when known (replays)
        self.background = background
        self.batch_delay_s = batch_delay_s
        self._live: dict[int, _Live] = {}
        # Two locks, never held together in the order post → radar: `_lock` guards the small bookkeeping
        # (dirty projects, schedule) and is taken inside a post's transaction; `_refresh_lock` guards the live
        # radars and is held while a refresh writes. One lock for both deadlocked posts against the refresh
        # (each waiting for what the other held) until SQLite's busy timeout failed the post.
        self._lock = threading.RLock()
        self._refresh_lock = threading.RLock()
        self._dirty: dict[int, int] = {}  # project -> newest message id it must see
        self._next_extract: dict[int, float] = {}
        self._pending: set[int] = set()  # projects whose extraction was deferred by the rate limit
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._bot_id: int | None = None

    # -- listener and worker -------------------------------------------------------------------

    def on_message(self, conn: Connection, message: Message) -> None:
        """MessageService listener: note that the project changed (the work happens after the commit)."""
        if (message.meta or {}).get("event") == "risk":
            return  # our own notices change nothing
        self.mark_dirty(message.project_id, message.id)

    def mark_dirty(self, project_id: int, message_id: int = 0) -> None:
        with self._lock:
            self._dirty[project_id] = max(self._dirty.get(project_id, 0), message_id)
            self._idle.clear()
        if self.background and not self._closed:
            self._start()
            self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="collab-insights", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            with self._lock:
                pending = bool(self._dirty)
                due = min((self._next_extract.get(p, 0.0) for p in self._pending), default=None)
            timeout = 30.0 if not pending and due is None else 0.05
            if due is not None and not pending:
                timeout = max(0.05, due - time.monotonic())
            self._wake.wait(timeout=timeout)
            self._wake.clear()
            if self._closed:
                break
            time.sleep(self.batch_delay_s)  # let a burst of posts arrive: one refresh for the batch
            try:
                self.process_dirty()
            except Exception:  # the worker must outlive any database hiccup
                log.exception("insight refresh failed; retrying")
                time.sleep(1.0)

    def process_dirty(self) -> int:
        """Refresh every project that changed (and any whose deferred extraction is due); returns how many."""
        with self._lock:
            todo = dict(self._dirty)
            self._dirty.clear()
            mono = time.monotonic()
            for pid in list(self._pending):
                if self._next_extract.get(pid, 0.0) <= mono:
                    todo.setdefault(pid, 0)
        for pid, wanted in todo.items():
            allowed = self._next_extract.get(pid, 0.0) <= time.monotonic()
            started = time.monotonic()
            self.refresh(project_id=pid, extract=allowed)
            cost = time.monotonic() - started
            with self._lock:
                if allowed:
                    # A run that took c seconds waits 2c before the next: the batch never hogs the cores.
                    self._next_extract[pid] = time.monotonic() + max(1.0, 2 * cost)
                    self._pending.discard(pid)
                else:
                    self._pending.add(pid)
                live = self._live.get(pid)
                if live is not None and wanted > live.last_id:
                    self._dirty[pid] = max(self._dirty.get(pid, 0), wanted)  # its commit was not visible yet
        with self._lock:
            if not self._dirty and not self._pending:
                self._idle.set()
        return len(todo)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until the worker has refreshed every changed project (tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.background:
                self.process_dirty()
                return True
            self._wake.set()
            if self._idle.wait(timeout=0.05):
                with self._lock:
                    if not self._dirty and not self._pending:
                        return True
        return False

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- settings ------------------------------------------------------------------------------

    def risk_settings(self, *, project_id: int, conn: Connection | None = None) -> RiskSettings:
        """The project's radar thresholds (defaults for the ones never set)."""
        if conn is None:
            with self.engine.connect() as c:
                return self.risk_settings(project_id=project_id, conn=c)
        values = conn.execute(
            select(insight_settings.c["values"]).where(insight_settings.c.project_id == project_id)
        ).scalar_one_or_none()
        base = settings_dict(RiskSettings())
        for k, v in (values or {}).items():
            if k in base and isinstance(v, int) and not isinstance(v, bool):
                base[k] = v
        return RiskSettings(**base)

    def set_risk_settings(self, *, actor_id: int | None, project_id: int, **values: object) -> RiskSettings:
        """Change radar thresholds (admins); each must be a whole number in its range."""
        for name, value in values.items():
            if name not in SETTING_RANGES:
                raise ValidationError(f"Unknown radar setting {name!r}.", hint=", ".join(SETTING_RANGES))
            low, high = SETTING_RANGES[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(
                    f"The radar setting {name} must be a whole number from {low} to {high}.",
                    hint="Defaults: " + ", ".join(f"{k}={v}" for k, v in settings_dict(RiskSettings()).items()),
                )
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "manage_members")
            merged = settings_dict(self.risk_settings(project_id=project_id, conn=conn)) | values
            conn.execute(delete(insight_settings).where(insight_settings.c.project_id == project_id))
            conn.execute(
                insight_settings.insert().values(
                    project_id=project_id, values=merged, updated_at=utcnow(), updated_by=actor_id
                )
            )
        self.mark_dirty(project_id)
        return RiskSettings(**merged)

    # -- refresh -------------------------------------------------------------------------------

    @staticmethod
    def _board(conn: Connection, project_id: int) -> tuple[Any, ...]:
        count, newest = conn.execute(
            select(func.count(), func.max(tasks_table.c.updated_at)).where(tasks_table.c.project_id == project_id)
        ).one()
        return int(count), newest

    def _sync(self, conn: Connection, project_id: int, now: datetime) -> tuple[_Live, int]:
        """The project's live radar, with every new message folded in and the board current."""
        settings = self.risk_settings(project_id=project_id, conn=conn)
        board = self._board(conn, project_id)
        live = self._live.get(project_id)
        if live is None or live.settings != settings:
            snap = load_snapshot(conn, project_id, task_key=self.task_key, zones=self.zones)
            radar = RiskRadar.build(tasks=snap.tasks, messages=snap.messages, members=snap.members, settings=settings)
            live = _Live(radar, list(snap.messages), snap.keys, snap.last_message_id, board, settings)
            self._live[project_id] = live
            return live, len(snap.messages)
        new = load_messages(conn, project_id, after_id=live.last_id)
        for m in new:
            live.radar.add_message(m)
            live.last_id = max(live.last_id, live.keys.message_id(m.id) or 0)
        live.messages.extend(new)
        if board != live.board:
            keys = Keys()
            members = load_members(conn, project_id, keys, self.zones)
            task_list = load_tasks(conn, project_id, keys, task_key=self.task_key)
            live.radar.members = members
            live.radar.set_tasks(task_list, messages=live.messages)
            live.keys, live.board = keys, board
        return live, len(new)

    def refresh(self, *, project_id: int, now: datetime | None = None, extract: bool = True) -> RefreshResult:
        """Bring the project's insights up to date as of `now` (the radar always; the extraction when asked)."""
        now = now or self.clock()
        with self._refresh_lock:
            with self.engine.connect() as conn:
                live, folded = self._sync(conn, project_id, now)
            window = [m for m in live.messages[-EXTRACT_WINDOW:] if m.ts <= now]
            if extract:
                live.found = extract_insights(window, live.radar.tasks, live.radar.members, now=now)
            found = live.found
            risks = live.radar.risks(now=now, commitments=found.commitments, decisions=list(found.decisions) or None)
            with write_tx(self.engine) as conn:
                if extract:
                    ids = [live.keys.message_id(m.id) or 0 for m in window]
                    save_extraction(conn, project_id=project_id, found=found, keys=live.keys, window=ids, now=now)
                notify, new = save_risks(conn, project_id=project_id, risks=risks, keys=live.keys, now=now)
        notified = post_notices(self, project_id=project_id, risk_ids=notify, now=now) if notify else 0
        return RefreshResult(
            project_id=project_id,
            messages_folded=folded,
            commitments=len(found.commitments),
            decisions=len(found.decisions),
            proposals=len(found.proposals),
            risks_open=len(risks),
            risks_new=new,
            notified=notified,
            extracted=extract,
        )

    def rebuild(self, *, project_id: int | None = None, now: datetime | None = None) -> list[RefreshResult]:
        """Recompute every project's insights from SQL (reindex): stored extraction output is replaced;
        people's answers (applied/dismissed proposals, acknowledged/snoozed risks) are kept by key."""
        with self.engine.connect() as conn:
            q = select(messages_table.c.project_id).distinct()
            if project_id is not None:
                q = q.where(messages_table.c.project_id == project_id)
            pids = sorted(set(conn.execute(q).scalars()))
        out = []
        for pid in pids:
            with self._refresh_lock:
                self._live.pop(pid, None)
                with write_tx(self.engine) as conn:
                    for table in (insight_commitments, insight_decisions):
                        conn.execute(delete(table).where(table.c.project_id == pid))
            out.append(self.refresh(project_id=pid, now=now))
        return out

    def forget(self, project_id: int) -> None:
        """Drop the in-memory radar of a project (after a restore or import changed its history)."""
        with self._lock:
            self._live.pop(project_id, None)

    def ensure_fresh(self, *, project_id: int) -> None:
        """Mark the project dirty when SQL has messages the radar has not seen (imports, other servers)."""
        with self.engine.connect() as conn:
            newest = conn.execute(
                select(func.max(messages_table.c.id)).where(
                    messages_table.c.project_id == project_id, messages_table.c.role == "user"
                )
            ).scalar_one()
        live = self._live.get(project_id)
        if newest and (live is None or newest > live.last_id):
            self.mark_dirty(project_id, 0)

    def open_proposals_count(self, *, project_id: int) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        insight_proposals.c.project_id == project_id, insight_proposals.c.state == "open"
                    )
                ).scalar_one()
            )

    def _risk_ids(self, project_id: int, states: Sequence[str]) -> list[int]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(insight_risks.c.id).where(
                        insight_risks.c.project_id == project_id, insight_risks.c.state.in_(list(states))
                    )
                ).scalars()
            )


def extract_insights(window: Sequence[Msg], tasks: Sequence[Any], members: Sequence[Any], *, now: datetime) -> Insights:
    """The detectors' entry point (kept apart so a replay can time it)."""
    return extract(window, tasks, members, now=now)
