"""Board-sync proposals: chat says a task moved while the board disagrees.

A status statement is a report in the speaker's voice, not a plan or a question:
- REVIEW: a PR/MR opened ('PR 올렸습니다', 'PR is up', 'opened a PR'), optionally asking for review;
- DONE: merged / deployed / closed / live / '완료' / '머지했' / '배포했' / '닫았';
- IN_PROGRESS: started ('시작했어요', '시작합니다', 'started', 'starting on', 'working on').
Blockers ('blocked on', '막혀') are not a status (the board has no BLOCKED column; the risk radar owns them).
Future, negated or questioned statements ('will be merged', '아직', '?') are skipped.

The message is linked to the task it is about: an explicit task id, else IDF-weighted overlap of its terms
with the task's title/labels/description plus the words people used in messages posted just before that
task's earlier board changes (so 'RBAC' learns to mean the task whose card moved right after 'RBAC PR is up'),
with a bonus when the speaker is the assignee. A proposal is made only when the board, both at the message
time and now, sits before the target status (never a backwards move); per task only the furthest claim stays.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from .model import STATUSES, Msg, Proposal, TaskState
from .text import TermWeights, sentences, strip_quotes, terms

_REVIEW = re.compile(
    r"\b(?:PR|MR|pull\s+request)\b[^.!?\n]{0,20}?(?:올렸|올립니다|올려\s*뒀|열었|is\s+up|up\b|opened|raised)"
    r"|(?:opened|raised|put\s+up)\s+(?:a\s+|the\s+)?(?:PR|MR|pull\s+request)|ready\s+for\s+review|리뷰\s*요청\s*드",
    re.I | re.A,
)
_DONE = re.compile(
    r"\bmerged\b|\b(?:is|are)\s+(?:done|finished|complete)\b|\bfinished\b|\bcompleted\b|\bdeployed\b|\bshipped\b|\bclosed\b|\bclosing\b[^.!?\n]{0,15}\bout\b|\bis\s+live\b|\blive\s+on\b"
    r"|\bdone\s*✅|✅\s*$|완료(?:했|됐|입니다|이에요|요|함|해서|하고|\s*[!.✅]|\s*$)|머지\s*(?:했|됐|완료)|배포\s*(?:했|됐)|닫았|마무리\s*(?:했|됐)|끝냈|끝났|고쳤|해결\s*했|\bfixed\b",
    re.I | re.A,
)
_STARTED = re.compile(
    r"시작\s*(?:했|합니다|해요|함)|착수|들어갑니다|\bstart(?:ed|ing)\s+(?:on\b|the\b|work|with\b|build|implement|writ|coding)"
    r"|\bworking\s+on\b|\bpicked\s+up\b|보기\s*시작",
    re.I | re.A,
)
_SKIP = re.compile(
    r"\?|\bwill\b|\bgonna\b|\bgoing\s+to\b|할게요|겠습니다|예정|아직|못\s*했|안\s*됐|not\s+yet|\bnot\b|n't\b|\bif\b|blocked|막혀"
    r"|내일|tomorrow|까요",
    re.I | re.A,
)
_RANK = {s: i for i, s in enumerate(STATUSES)}


def status_claim(text: str) -> str | None:
    """The status a message reports its work reached, or None (DONE beats REVIEW beats IN_PROGRESS)."""
    best: str | None = None
    clauses = [c for s in sentences(strip_quotes(text)) for c in re.split(r"[,;]\s+|\s[—–-]\s", s)]
    for sent in clauses:
        if _SKIP.search(sent):
            continue
        for status, rx in (("DONE", _DONE), ("REVIEW", _REVIEW), ("IN_PROGRESS", _STARTED)):
            if rx.search(sent):
                if best is None or _RANK[status] > _RANK[best]:
                    best = status
                break
    return best


def status_at(task: TaskState, when: datetime) -> str | None:
    """The task's status at `when` from its history (None when it did not exist yet)."""
    if task.created_at and when < task.created_at and not task.history:
        return None
    status = None
    for ch in task.history:
        if ch.ts > when:
            break
        if ch.status:
            status = ch.status
    if status is None:
        return None if task.history and task.history[0].ts > when else task.status
    return status


def _learned_terms(tasks: Sequence[TaskState], msgs: Sequence[Msg]) -> dict[str, set[str]]:
    """Words from messages posted in the 10 minutes before each of a task's status changes."""
    stamps = [m.ts for m in msgs]  # msgs are in time order
    out: dict[str, set[str]] = {}
    for t in tasks:
        acc: set[str] = set()
        for ch in t.history:
            if not ch.status:
                continue
            lo = bisect.bisect_left(stamps, ch.ts - timedelta(minutes=10))
            hi = bisect.bisect_right(stamps, ch.ts)
            for m in msgs[lo:hi]:
                if ch.by is None or ch.by == m.author:
                    acc |= terms(m.content)
        out[t.id] = acc
    return out


def link_task(
    msg: Msg,
    tasks: Sequence[TaskState],
    weights: TermWeights,
    learned: dict[str, set[str]],
    *,
    min_score: float = 0.35,
) -> TaskState | None:
    """The task a message is about, or None when no task clearly matches."""
    for t in tasks:
        if re.search(rf"(?<![\w-]){re.escape(t.id)}(?![\w-])", msg.content, re.A):
            return t
    mt = terms(msg.content)
    scored: list[tuple[float, TaskState]] = []
    for t in tasks:
        title = terms(t.title)
        extra = terms(f"{t.description} {' '.join(t.labels)}") | (learned.get(t.id, set()) - {"pr"})
        if weights.shared(mt, title | extra) < 2.5:
            continue  # not one meaningful shared word
        learned_hit = min(1.0, weights.shared(mt, learned.get(t.id, set()) - {"pr"}) / 8.0)
        s = max(weights.coverage(mt, title), 0.8 * learned_hit)
        if t.assignee == msg.author:
            s += 0.15
        scored.append((s, t))
    scored.sort(key=lambda x: -x[0])
    if not scored or scored[0][0] < min_score:
        return None
    if len(scored) > 1 and scored[1][0] > scored[0][0] - 0.05 and scored[1][1].assignee == scored[0][1].assignee:
        return None  # two tasks fit equally well: do not guess
    return scored[0][1]


def detect_proposals(
    messages: Sequence[Msg],
    tasks: Sequence[TaskState],
    *,
    now: datetime,
    weights: TermWeights | None = None,
) -> list[Proposal]:
    """Status proposals for tasks whose board status lags what chat reports, as of `now`."""
    msgs = [m for m in sorted(messages, key=lambda m: m.ts) if m.role == "user" and m.ts <= now]
    weights = weights or TermWeights([m.content for m in msgs] + [t.title for t in tasks])
    names: set[str] = set()
    for m in msgs:
        names |= terms(m.author)  # people's names say who, not which task
    learned = {k: v - names for k, v in _learned_terms(tasks, msgs).items()}
    seen: set[tuple[str, str]] = set()
    out: list[Proposal] = []
    for msg in msgs:
        target = status_claim(msg.content)
        if target is None:
            continue
        live = [t for t in tasks if status_at(t, msg.ts) not in (None, "DONE")]
        task = link_task(msg, live, weights, learned)
        if task is None:
            continue
        born = task.created_at or (task.history[0].ts if task.history else None)
        if born is not None and abs((msg.ts - born).total_seconds()) <= 600:
            continue  # the message announces the new card ('태스크 만들었어요 (t13)'), it reports no work
        then = status_at(task, msg.ts) or "TODO"
        # the board caught up within minutes of the message: someone already moved the card
        soon = status_at(task, msg.ts + timedelta(minutes=10)) or then
        if max(_RANK[then], _RANK[soon], _RANK[task.status]) >= _RANK[target]:
            continue
        key = (task.id, target)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Proposal(
                message_id=msg.id, task_id=task.id, to_status=target, from_status=task.status, reason=msg.content[:160]
            )
        )
    # a later, further claim on the same card replaces an earlier one ('PR 올렸어요' then 'merged'): one proposal per task
    best: dict[str, Proposal] = {}
    for p in out:
        if p.task_id not in best or _RANK[p.to_status] > _RANK[best[p.task_id].to_status]:
            best[p.task_id] = p
    return [p for p in out if best[p.task_id] is p]
