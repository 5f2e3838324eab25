"""Assignment suggestions: who should take a task, ranked, each with the reason.

Score = expertise × capacity. Expertise: similarity of the task (title, labels, description) to the tasks a
person worked on (assignee now or in history; weight 1) and to what they wrote in chat (weight 0.4; the
three best of each count, so volume alone does not win), plus listed skills that match the task's area, plus
a promise in chat to do this very task. Similarity is TF-IDF cosine over tasks and messages; with `embed`
(texts → unit vectors, e.g. the local multilingual e5) it is the mean of TF-IDF and the rescaled embedding
cosine made relative to the set (see `_blend`). Capacity: open tasks lower it gently; more high-priority tasks due within the window than the
overload limit cuts it to a quarter ("expert, but has 5 high-priority tasks due this week"), and declining
work in chat this week ("저는 이번 주 어려워요") cuts it to 0.3 (0.6 for work due later). So the expert ranks first unless overloaded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np

from .features import Vectorizer, cosine, task_text, tokens
from .model import Member, Msg, Suggestion, TaskState
from .risks import RiskSettings
from .signals import ChatSignals

# Common skills and the task areas (labels) they cover.
SKILL_AREAS = {
    "frontend": ("react", "typescript", "javascript", "vue", "angular", "css", "html", "svelte", "ui", "web"),
    "backend": ("java", "spring", "kotlin", "python", "go", "node", "django", "rails", "api", "sql", "server"),
    "design": ("figma", "ux", "ui", "product design", "graphic", "illustration"),
    "infra": ("devops", "aws", "kubernetes", "docker", "terraform", "airflow", "ops"),
    "db": ("sql", "postgres", "mysql", "database", "dba"),
    "qa": ("testing", "qa", "test"),
    "mobile": ("ios", "android", "swift", "flutter", "react native"),
}
MSG_WEIGHT = 0.4
TOP = 3


def _skill_match(member: Member, task: TaskState) -> list[str]:
    areas = {label.lower() for label in task.labels}
    words = set(tokens(task_text(task.title, task.description, task.labels)))
    hits = []
    for skill in member.skills:
        s = skill.lower()
        covered = {area for area, skills in SKILL_AREAS.items() if s in skills or s == area}
        if covered & areas or set(tokens(s)) & (words | areas):
            hits.append(skill)
    return hits


_CACHE: dict[tuple[int, str], np.ndarray] = {}
_CACHE_MAX = 50_000


def _vectors(embed: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    """Unit vectors of `texts`, cached per embedder (task and message texts repeat across suggestions)."""
    key = id(embed)
    missing = list(dict.fromkeys(t for t in texts if (key, t) not in _CACHE))
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_MAX:
            _CACHE.clear()
        vecs = np.atleast_2d(np.asarray(embed(missing), dtype=np.float64))
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12
        _CACHE.update({(key, t): v for t, v in zip(missing, vecs, strict=True)})
    return np.vstack([_CACHE[(key, t)] for t in texts])


def _blend(lexical: np.ndarray, embed: Callable[[list[str]], np.ndarray], target: str, texts: list[str]) -> np.ndarray:
    """Mean of the lexical similarity and the embedding cosine made relative to this set (median → 0, best → the
    best lexical score): dense cosines of texts in one language sit high for unrelated pairs, so only the margin
    above the typical pair carries information."""
    vecs = _vectors(embed, [target, *texts])
    cos = vecs[1:] @ vecs[0]
    mid, top = float(np.median(cos)), float(cos.max())
    rel = np.clip((cos - mid) / (top - mid + 1e-9), 0.0, 1.0)
    scale = float(lexical.max()) if lexical.size and lexical.max() > 0 else 0.3
    return 0.5 * lexical + 0.5 * scale * rel


def suggest_assignees(
    *,
    task: TaskState,
    tasks: Sequence[TaskState],
    messages: Sequence[Msg],
    members: Sequence[Member],
    now: datetime,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    k: int = 3,
    settings: RiskSettings = RiskSettings(),
    signals: ChatSignals | None = None,
) -> list[Suggestion]:
    """Up to `k` ranked candidates for `task` (pass `signals` to reuse a radar's already-folded chat)."""
    history = [m for m in messages if m.ts <= now and m.role == "user"]
    if signals is None:
        signals = ChatSignals(tasks=list(tasks), members=list(members)).add_all(history)
    others = [t for t in tasks if t.id != task.id]
    task_docs = [tokens(task_text(t.title, t.description, t.labels)) for t in others]
    msg_docs = [signals.tokens_of.get(m.id) or tokens(m.content) for m in history]
    df = (
        Counter(signals.msg_df)
        if len(signals.tokens_of) >= len(history)
        else Counter(t for d in msg_docs for t in set(d))
    )
    for d in task_docs:
        df.update(set(d))
    vz = Vectorizer.from_counts(df, len(task_docs) + max(len(history), len(signals.tokens_of)))
    target_text = task_text(task.title, task.description, task.labels)
    target = vz.vector(tokens(target_text))
    task_sim = np.array([cosine(target, vz.vector(d)) for d in task_docs])
    keys = set(target)
    msg_sim = np.array([cosine(target, vz.vector(d)) if keys.intersection(d) else 0.0 for d in msg_docs])
    own_ids = {task.id.lower()}
    coordination = np.array([bool(own_ids & set(d)) for d in msg_docs], dtype=bool)
    msg_sim[coordination] = 0.0  # "who takes t13?" is coordination about this task, not expertise
    if embed is not None:
        if others:
            task_sim = _blend(
                task_sim, embed, target_text, [task_text(t.title, t.description, t.labels) for t in others]
            )
        pool = np.argsort(-msg_sim)[:100]
        pool = pool[msg_sim[pool] > 0]
        if len(pool) > 1:
            msg_sim[pool] = _blend(msg_sim[pool], embed, target_text, [history[i].content for i in pool])
    today = now.date()
    horizon = today + timedelta(days=settings.overload_window_days)
    promised = {p for p, _, ts in signals.by_task.get(task.id, _NO).promises if ts <= now}
    declined = {p for p, _, ts, _ in signals.declines if now - ts <= timedelta(days=7)}
    # Saying "this week is too much" weighs most on work due within the window.
    decline = 0.3 if task.due is None or task.due <= horizon else 0.6
    out = []
    for member in members:
        if member.role in ("viewer", "guest", "assistant"):
            continue
        name = member.name
        worked = [i for i, t in enumerate(others) if name == t.assignee or any(c.assignee == name for c in t.history)]
        mine = [i for i, m in enumerate(history) if m.author == name]
        t_best = sorted((task_sim[i] for i in worked), reverse=True)[:TOP]
        m_best = sorted((msg_sim[i] for i in mine), reverse=True)[:TOP]
        skills = _skill_match(member, task)
        expertise = float(
            sum(t_best) + MSG_WEIGHT * sum(m_best) + (0.15 if skills else 0.0) + (1.0 if name in promised else 0.0)
        )
        open_tasks = [
            t for t in others if t.assignee == name and t.status != "DONE" and not signals.by_task.get(t.id, _NO).done
        ]
        urgent = [t for t in open_tasks if t.priority == "high" and t.due is not None and t.due <= horizon]
        overloaded = len(urgent) > settings.overload_limit
        capacity = (
            1.0 / (1.0 + 0.1 * len(open_tasks)) * (0.25 if overloaded else 1.0) * (decline if name in declined else 1.0)
        )
        similar = [others[i] for i in worked if task_sim[i] >= 0.15]
        closed = sum(1 for t in similar if t.status == "DONE" or signals.by_task.get(t.id, _NO).done)
        this_week = [t for t in open_tasks if t.due is not None and t.due <= horizon]
        if overloaded:
            reason = (
                f"expert, but has {len(urgent)} high-priority tasks due this week"
                if t_best and t_best[0] >= 0.15
                else f"has {len(urgent)} high-priority tasks due this week"
            )
        else:
            parts = []
            if name in promised:
                parts.append("offered to do it in chat")
            if similar:
                parts.append(f"worked on {len(similar)} similar tasks ({closed} closed)")
            if skills:
                parts.append("skills: " + ", ".join(skills))
            if m_best and m_best[0] >= 0.15:
                parts.append("discussed this area in chat")
            parts.append(f"{len(this_week)} open tasks this week")
            if name in declined:
                parts.append("said they are busy this week")
            reason = "; ".join(parts)
        params = {
            "similar": len(similar),
            "closed": closed,
            "open_this_week": len(this_week),
            "high_due": len(urgent),
            "overloaded": overloaded,
            "promised": name in promised,
            "declined": name in declined,
            "skills": skills,
        }
        out.append(Suggestion(task.id, name, round(expertise * capacity, 4), reason, {**params, "capacity": capacity}))
    out.sort(key=lambda s: (-s.score, -s.params["capacity"]))  # equal expertise: the one with more room first
    return out[:k]


class _NoSignals:
    """What a task unknown to the signals (created after they were folded) looks like."""

    promises: tuple = ()
    done = None


_NO = _NoSignals()
