"""The risk radar: what is about to go wrong, each flag with its evidence (message and task ids).

`compute_risks(...)` is the pure entry point. For a live project use `RiskRadar`: it keeps the chat
signals (`signals.ChatSignals`, `conflicts.StanceLog`) and folds each new message in (`add_message`), and
`risks(now=...)` is then one pass over the tasks plus a few per-person checks, so a new message costs one
message's work plus O(tasks). A risk resolved in chat (work reported done, a blocker cleared) or by the
board (DONE, reassigned, due moved back out) is not returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from .conflicts import StanceLog
from .model import Commitment, Decision, Member, Msg, Risk, TaskState
from .signals import MENTION_MIN, ChatSignals


@dataclass(frozen=True)
class RiskSettings:
    """Thresholds of the radar (per project)."""

    stalled_days: int = 5  # IN_PROGRESS with no board change or chat mention for this long
    due_soon_days: int = 3  # TODO due within this many days with no sign of progress
    overload_window_days: int = 7  # high-priority work due within this window (overdue included) ...
    overload_limit: int = 3  # ... beyond this many open tasks: overloaded
    slip_moves: int = 2  # due date moved this many times
    blocked_max_days: int = 14  # a blocker nobody repeated for this long is considered stale
    absence_lookahead_days: int = 14  # an announced absence counts this long for single-point-of-knowledge


def due_moves(task: TaskState) -> int:
    """How many times the due date was moved after it was first set."""
    dues = [c.due for c in task.history if c.due is not None]
    return sum(1 for a, b in pairwise(dues) if a != b)


def _sev(high: bool, medium: bool = True) -> str:
    return "high" if high else ("medium" if medium else "low")


class RiskRadar:
    """Incremental radar state for one project."""

    def __init__(self, *, tasks: Sequence[TaskState], members: Sequence[Member], settings: RiskSettings) -> None:
        self.tasks = list(tasks)
        self.members = list(members)
        self.settings = settings
        self.signals = ChatSignals(tasks=self.tasks, members=self.members)
        self.stances = StanceLog()

    @classmethod
    def build(
        cls,
        *,
        tasks: Sequence[TaskState],
        messages: Iterable[Msg],
        members: Sequence[Member],
        settings: RiskSettings | None = None,
    ) -> RiskRadar:
        radar = cls(tasks=tasks, members=members, settings=settings or RiskSettings())
        for msg in sorted(messages, key=lambda m: m.ts):
            radar.add_message(msg)
        return radar

    def set_tasks(self, tasks: Sequence[TaskState], *, messages: Iterable[Msg] = ()) -> None:
        """The board changed. Status, assignee or due changes are a swap (O(tasks)); a new task or a changed
        title/description/labels re-folds `messages` (the chat must be matched against the new task text)."""
        text = {t.id: (t.title, t.description, t.labels) for t in tasks}
        if text == {t.id: (t.title, t.description, t.labels) for t in self.tasks}:
            self.tasks = list(tasks)
            self.signals.retask(self.tasks)
            return
        fresh = RiskRadar.build(tasks=tasks, messages=messages, members=self.members, settings=self.settings)
        self.tasks, self.signals, self.stances = fresh.tasks, fresh.signals, fresh.stances

    def add_message(self, msg: Msg) -> None:
        """Fold one new message in (messages arrive in time order)."""
        self.signals.add(msg)
        self.stances.add(msg)

    def _done_in_chat(self, task: TaskState) -> str | None:
        done = self.signals.by_task[task.id].done
        if done is None:
            return None
        last_board = max((c.ts for c in task.history if c.status), default=None)
        return done[1] if last_board is None or done[0] >= last_board else None

    def _promised(self, task: TaskState, commitments: Sequence[Commitment]) -> list[str]:
        declined = self.signals.last_decline
        ids = []
        for person, mid, ts in self.signals.by_task[task.id].promises:
            if not any(declined.get((person, about), ts) > ts for about in (None, task.id)):
                ids.append(mid)
        for c in commitments:
            if c.status == "done":
                continue
            if c.task_id == task.id or (
                c.task_id is None and self.signals.index.similarity(task.id, c.what) >= MENTION_MIN
            ):
                ids.append(c.message_id)
        return ids

    def risks(
        self, *, now: datetime, commitments: Sequence[Commitment] = (), decisions: Sequence[Decision] | None = None
    ) -> list[Risk]:
        """Open risks as of `now`, most severe first."""
        st, sig = self.settings, self.signals
        today = now.date()
        out: list[Risk] = []
        open_tasks: list[TaskState] = []
        blocked_tasks: set[str] = set()
        for b in sig.open_blockers():
            task = sig.tasks.get(b.task_id) if b.task_id else None
            last = sig.messages[b.evidence[-1]].ts
            if task and (task.status == "DONE" or self._done_in_chat(task)):
                continue
            if now - last > timedelta(days=st.blocked_max_days) or b.ts > now:
                continue
            if task:
                blocked_tasks.add(task.id)
            soon = task is not None and task.due is not None and (task.due - today).days <= st.due_soon_days
            out.append(
                Risk(
                    kind="blocked",
                    severity=_sev(bool(task and task.priority == "high") or soon),
                    task_id=task.id if task else None,
                    person=b.person,
                    evidence=tuple(b.evidence),
                    reason=f"{b.person} is blocked" + (f" on '{task.title}'" if task else ""),
                    params={"person": b.person, "task": task.title if task else None, "since": b.ts.isoformat()},
                )
            )
        for task in self.tasks:
            if task.status == "DONE" or self._done_in_chat(task):
                continue
            open_tasks.append(task)
            out.extend(
                self._task_risks(task, today=today, now=now, blocked=task.id in blocked_tasks, commitments=commitments)
            )
        out.extend(self._overloaded(open_tasks, today))
        out.extend(self._conflicts(decisions))
        out.extend(self._single_points(open_tasks, now))
        rank = {"high": 0, "medium": 1, "low": 2}
        return sorted(out, key=lambda r: (rank[r.severity], r.kind, r.task_id or "", r.person or ""))

    def _task_risks(
        self, task: TaskState, *, today: date, now: datetime, blocked: bool, commitments: Sequence[Commitment]
    ) -> list[Risk]:
        st, sig = self.settings, self.signals.by_task[task.id]
        out = []
        mentions = [mid for _, mid, _ in sig.mentions[-3:]]
        high = task.priority == "high"
        base = {"task": task.title, "person": task.assignee, "due": task.due.isoformat() if task.due else None}
        if task.due is not None and task.due < today:
            late = (today - task.due).days
            out.append(
                Risk(
                    "overdue",
                    _sev(high or late >= 3),
                    task.id,
                    task.assignee,
                    (task.id, *mentions),
                    f"'{task.title}' was due {task.due.isoformat()} and is still {task.status}",
                    {**base, "days_late": late, "status": task.status},
                )
            )
        elif (
            task.due is not None
            and task.status == "TODO"
            and task.assignee
            and not blocked
            and not sig.started
            and (task.due - today).days <= st.due_soon_days
        ):
            days = (task.due - today).days
            out.append(
                Risk(
                    "due_soon_no_progress",
                    _sev(high),
                    task.id,
                    task.assignee,
                    (task.id, *mentions),
                    f"'{task.title}' is due in {days} day(s) and has not started",
                    {**base, "days_left": days},
                )
            )
        if task.status == "IN_PROGRESS" and not blocked:
            last = self.signals.last_activity(task)
            if last is not None and now - last > timedelta(days=st.stalled_days):
                idle = (now - last).days
                soon = task.due is not None and (task.due - today).days <= st.due_soon_days
                out.append(
                    Risk(
                        "stalled",
                        _sev(high and soon),
                        task.id,
                        task.assignee,
                        (task.id, *mentions),
                        f"'{task.title}' is in progress with no update or mention for {idle} days",
                        {**base, "idle_days": idle, "last_activity": last.isoformat()},
                    )
                )
        if high and not task.assignee:
            promised = self._promised(task, commitments)
            if not promised:
                soon = task.due is not None and (task.due - today).days <= st.overload_window_days
                out.append(
                    Risk(
                        "unowned",
                        _sev(soon),
                        task.id,
                        None,
                        (task.id, *[mid for _, mid, _ in sig.mentions[:3]]),
                        f"High-priority '{task.title}' has no owner and nobody promised it",
                        base,
                    )
                )
        moves = due_moves(task)
        if moves >= st.slip_moves:
            out.append(
                Risk(
                    "deadline_slipping",
                    _sev(high or moves > st.slip_moves),
                    task.id,
                    task.assignee,
                    (task.id, *mentions),
                    f"The due date of '{task.title}' moved {moves} times",
                    {**base, "moves": moves},
                )
            )
        return out

    def _overloaded(self, open_tasks: list[TaskState], today: date) -> list[Risk]:
        st = self.settings
        horizon = today + timedelta(days=st.overload_window_days)
        load: dict[str, list[TaskState]] = {}
        for t in open_tasks:
            if t.assignee and t.priority == "high" and t.due is not None and t.due <= horizon:
                load.setdefault(t.assignee, []).append(t)
        out = []
        for person, tasks in load.items():
            if len(tasks) <= st.overload_limit:
                continue
            declines = [
                mid for p, mid, ts, _ in self.signals.declines if p == person and ts.date() >= today - timedelta(days=7)
            ]
            ids = tuple(sorted(t.id for t in tasks)) + tuple(declines)
            out.append(
                Risk(
                    "overloaded",
                    "high",
                    None,
                    person,
                    ids,
                    f"{person} holds {len(tasks)} open high-priority tasks due by {horizon.isoformat()}",
                    {"person": person, "count": len(tasks), "limit": st.overload_limit, "until": horizon.isoformat()},
                )
            )
        return out

    def _conflicts(self, decisions: Sequence[Decision] | None) -> list[Risk]:
        out = []
        for c in self.stances.conflicts(list(decisions) if decisions else None):
            about = self.signals.msg_tasks.get(c.second) or self.signals.msg_tasks.get(c.first) or [None]
            out.append(
                Risk(
                    "decision_conflict",
                    "high",
                    about[0],
                    None,
                    c.evidence,
                    f"Two standing decisions contradict each other on '{c.subject}'",
                    {"subject": c.subject, "first": c.first, "second": c.second},
                )
            )
        return out

    def _single_points(self, open_tasks: list[TaskState], now: datetime) -> list[Risk]:
        """One person is the only one who ever worked on an area, and chat says so or they will be away."""
        workers: dict[str, set[str]] = {}
        for t in self.tasks:
            people = {t.assignee} | {c.assignee for c in t.history}
            for label in t.labels:
                workers.setdefault(label, set()).update(p for p in people if p)
        sole: dict[str, list[TaskState]] = {}
        for t in open_tasks:
            for label in t.labels:
                holders = workers.get(label, set())
                if len(holders) == 1:
                    sole.setdefault(next(iter(holders)), []).append(t)
        recent = now - timedelta(days=self.settings.absence_lookahead_days)
        said = {}
        for person, mid, ts, tid in self.signals.exclusive:
            if recent <= ts <= now:
                said.setdefault(person, []).append((mid, tid))
        away = {}
        for person, mid, ts in self.signals.absences:
            if recent <= ts <= now:
                away.setdefault(person, []).append(mid)
        out = []
        rank = {"high": 0, "medium": 1, "low": 2}
        for person in sorted(set(said) | (set(away) & set(sole))):
            area = sorted(sole.get(person, []), key=lambda t: (rank.get(t.priority, 1), t.due or date.max))
            named = [tid for _, tid in said.get(person, []) if tid]
            task_id = named[0] if named else (area[0].id if area else None)
            if task_id is None:
                continue
            ids = [task_id, *dict.fromkeys(t.id for t in area)]
            ids += [mid for mid, _ in said.get(person, [])] + away.get(person, [])
            out.append(
                Risk(
                    "single_point_of_knowledge",
                    _sev(person in away or bool(named)),
                    task_id,
                    person,
                    tuple(dict.fromkeys(ids)),
                    f"Only {person} knows this area" + (" and will be away" if person in away else ""),
                    {"person": person, "task": self.signals.tasks[task_id].title, "away": person in away},
                )
            )
        return out


def compute_risks(
    *,
    tasks: Sequence[TaskState],
    messages: Sequence[Msg],
    members: Sequence[Member],
    now: datetime,
    commitments: Sequence[Commitment] = (),
    decisions: Sequence[Decision] = (),
    settings: RiskSettings = RiskSettings(),
) -> list[Risk]:
    """Every open risk as of `now` (messages after `now` are ignored). Without `decisions`, decisions are
    recognised in chat; with them, the ledger's supersession links are honoured."""
    radar = RiskRadar.build(
        tasks=tasks, messages=[m for m in messages if m.ts <= now], members=members, settings=settings
    )
    return radar.risks(now=now, commitments=commitments, decisions=list(decisions) or None)
