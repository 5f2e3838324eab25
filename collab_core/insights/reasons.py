"""One-line reasons in the viewer's language (Korean and English) for risks, suggestions and proposals.

The detectors return a kind and parameters; this module words them, so the radar, the notices and the
assistant's context say the same thing in both languages. Unknown kinds fall back to the English reason.
"""

from __future__ import annotations

from typing import Any

KIND_LABEL = {
    "overdue": ("Overdue", "기한 지남"),
    "due_soon_no_progress": ("Due soon, not started", "곧 마감, 시작 전"),
    "stalled": ("Stalled", "정체"),
    "blocked": ("Blocked", "막힘"),
    "unowned": ("No owner", "담당자 없음"),
    "overloaded": ("Overloaded", "과부하"),
    "deadline_slipping": ("Deadline slipping", "마감 계속 밀림"),
    "decision_conflict": ("Conflicting decisions", "결정 충돌"),
    "single_point_of_knowledge": ("Single point of knowledge", "한 사람만 아는 영역"),
}
SEVERITY_LABEL = {"high": ("high", "높음"), "medium": ("medium", "보통"), "low": ("low", "낮음")}
STATUS_LABEL = {
    "TODO": ("To do", "할 일"),
    "IN_PROGRESS": ("In progress", "진행 중"),
    "REVIEW": ("Review", "리뷰"),
    "DONE": ("Done", "완료"),
}

_RISK = {
    "overdue": (
        "'{task}' was due {due} and is still {status}",
        "'{task}' 마감({due})이 지났는데 아직 {status} 상태예요",
    ),
    "due_soon_no_progress": (
        "'{task}' is due in {days_left} day(s) and has not started",
        "'{task}' 마감이 {days_left}일 남았는데 아직 시작하지 않았어요",
    ),
    "stalled": (
        "'{task}' is in progress with no update or mention for {idle_days} days",
        "'{task}'이(가) 진행 중인데 {idle_days}일 동안 업데이트나 언급이 없어요",
    ),
    "blocked": ("{person} is blocked on '{task}'", "{person}님이 '{task}' 작업에서 막혀 있어요"),
    "blocked_no_task": ("{person} is blocked", "{person}님이 막혀 있어요"),
    "unowned": (
        "High-priority '{task}' has no owner and nobody promised it",
        "우선순위 높은 '{task}'에 담당자도, 맡겠다는 사람도 없어요",
    ),
    "overloaded": (
        "{person} holds {count} open high-priority tasks due by {until} (limit {limit})",
        "{person}님이 {until}까지 마감인 높은 우선순위 작업을 {count}개 맡고 있어요 (기준 {limit}개)",
    ),
    "deadline_slipping": ("The due date of '{task}' moved {moves} times", "'{task}' 마감일이 {moves}번 바뀌었어요"),
    "decision_conflict": (
        "Two standing decisions contradict each other on '{subject}'",
        "'{subject}'에 대해 서로 맞지 않는 결정이 두 개 있어요",
    ),
    "single_point_of_knowledge": ("Only {person} knows '{task}'", "'{task}'은(는) {person}님만 알고 있어요"),
    "single_point_of_knowledge_away": (
        "Only {person} knows '{task}' and will be away",
        "'{task}'은(는) {person}님만 아는데 곧 자리를 비워요",
    ),
}


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "ko" else pair[0]


def kind_label(kind: str, lang: str = "en") -> str:
    return _pick(KIND_LABEL.get(kind, (kind, kind)), lang)


def severity_label(severity: str, lang: str = "en") -> str:
    return _pick(SEVERITY_LABEL.get(severity, (severity, severity)), lang)


def status_label(status: str, lang: str = "en") -> str:
    return _pick(STATUS_LABEL.get(status, (status, status)), lang)


def risk_reason(kind: str, params: dict[str, Any], lang: str = "en", *, fallback: str = "") -> str:
    """The radar's one-line reason for a risk in `lang`."""
    key = kind
    if kind == "blocked" and not params.get("task"):
        key = "blocked_no_task"
    elif kind == "single_point_of_knowledge" and params.get("away"):
        key = "single_point_of_knowledge_away"
    template = _RISK.get(key)
    if template is None:
        return fallback or kind
    values = _Safe({k: v for k, v in params.items() if v is not None})
    if "status" in values:
        values["status"] = status_label(str(values["status"]), lang)
    return _pick(template, lang).format_map(values)


def suggestion_reason(params: dict[str, Any], lang: str = "en") -> str:
    """'closed 4 similar tasks; 2 open tasks this week' / 'expert, but has 5 high-priority tasks due this week'."""
    ko = lang == "ko"
    if params.get("overloaded"):
        n = params.get("high_due", 0)
        return (
            f"전문가지만 이번 주 마감인 높은 우선순위 작업이 {n}개예요"
            if ko
            else f"expert, but has {n} high-priority tasks due this week"
        )
    parts = []
    if params.get("promised"):
        parts.append("채팅에서 맡겠다고 했어요" if ko else "offered to do it in chat")
    if params.get("similar"):
        s, c = params["similar"], params.get("closed", 0)
        parts.append(f"비슷한 작업 {s}개 (완료 {c}개)" if ko else f"worked on {s} similar tasks ({c} closed)")
    if params.get("skills"):
        parts.append(("기술: " if ko else "skills: ") + ", ".join(params["skills"]))
    n = params.get("open_this_week", 0)
    parts.append(f"이번 주 진행 중인 작업 {n}개" if ko else f"{n} open tasks this week")
    if params.get("declined"):
        parts.append("이번 주 바쁘다고 했어요" if ko else "said they are busy this week")
    return "; ".join(parts)


def proposal_text(task: str, to_status: str, lang: str = "en") -> str:
    label = status_label(to_status, lang)
    return f"'{task}'을(를) {label}(으)로 옮길까요?" if lang == "ko" else f"Move '{task}' to {label}?"
