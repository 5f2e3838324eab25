"""System notices as structured events: what the task and meeting services store on a notice message
(who did what to which task or meeting) and the sentence it reads as in the viewer's language.

A notice keeps its English sentence as the message content (the project memory, search and the
assistant read that); its meta carries `notice`, a plain dict (see task_notice / meeting_notice), from
which the chat draws the sentence in Korean or English. Titles, names and comment or decision text
are returned as plain strings for the page to show as text, never as markdown. Notices written
before meta carried this come back as None: the page shows their stored sentence as plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collab_core.models import Message

NOTICE_VERSION = 1

_STATUS = {
    "TODO": {"en": "To do", "ko": "할 일"},
    "IN_PROGRESS": {"en": "In progress", "ko": "진행 중"},
    "REVIEW": {"en": "Review", "ko": "검토"},
    "DONE": {"en": "Done", "ko": "완료"},
}
_PRIORITY = {
    "low": {"en": "low", "ko": "낮음"},
    "normal": {"en": "normal", "ko": "보통"},
    "high": {"en": "high", "ko": "높음"},
    "urgent": {"en": "urgent", "ko": "긴급"},
}
_FIELD = {
    "title": {"en": "title", "ko": "제목"},
    "description": {"en": "description", "ko": "설명"},
    "due_date": {"en": "due date", "ko": "마감일"},
    "priority": {"en": "priority", "ko": "우선순위"},
    "labels": {"en": "labels", "ko": "라벨"},
}
_TEXT = {
    "task.created": {
        "en": "{actor} created the task “{title}”",
        "ko": "{actor} 님이 작업 “{title}”을(를) 만들었습니다",
    },
    "task.moved": {
        "en": "{actor} moved “{title}” from {from_status} to {to_status}",
        "ko": "{actor} 님이 “{title}”을(를) {from_status}에서 {to_status}(으)로 옮겼습니다",
    },
    "task.assigned": {
        "en": "{actor} assigned “{title}” to {assignee}",
        "ko": "{actor} 님이 “{title}”을(를) {assignee} 님에게 맡겼습니다",
    },
    "task.unassigned": {
        "en": "{actor} removed the assignee of “{title}”",
        "ko": "{actor} 님이 “{title}”의 담당자를 없앴습니다",
    },
    "task.edited": {
        "en": "{actor} updated “{title}”: {fields}",
        "ko": "{actor} 님이 “{title}”의 {fields}을(를) 바꿨습니다",
    },
    "task.commented": {"en": "{actor} commented on “{title}”", "ko": "{actor} 님이 “{title}”에 댓글을 남겼습니다"},
    "task.deleted": {
        "en": "{actor} deleted the task “{title}”",
        "ko": "{actor} 님이 작업 “{title}”을(를) 삭제했습니다",
    },
    "meeting.started": {
        "en": "{actor} started the meeting “{title}”",
        "ko": "{actor} 님이 회의 “{title}”을(를) 시작했습니다",
    },
    "meeting.agenda": {
        "en": "{actor} added item {position} to the agenda of “{title}”",
        "ko": "{actor} 님이 “{title}” 안건 {position}번을 추가했습니다",
    },
    "meeting.decision": {
        "en": "{actor} recorded a decision in “{title}”",
        "ko": "{actor} 님이 “{title}”에 결정 사항을 기록했습니다",
    },
    "meeting.ended": {
        "en": "{actor} ended the meeting “{title}”",
        "ko": "{actor} 님이 회의 “{title}”을(를) 끝냈습니다",
    },
    "more.assignee": {"en": "assignee {v}", "ko": "담당 {v}"},
    "more.due": {"en": "due {v}", "ko": "마감 {v}"},
    "more.priority": {"en": "priority {v}", "ko": "우선순위 {v}"},
    "more.labels": {"en": "labels {v}", "ko": "라벨 {v}"},
    "more.status": {"en": "in {v}", "ko": "{v} 단계"},
    "more.meeting": {"en": "from the meeting “{v}”", "ko": "회의 “{v}”에서"},
    "more.attendees": {"en": "attendees: {v}", "ko": "참석자: {v}"},
    "more.presenter": {"en": "presenter: {v}", "ko": "발표자: {v}"},
    "more.summary": {"en": "Summary", "ko": "요약"},
    "unknown": {"en": "{actor} changed “{title}”", "ko": "{actor} 님이 “{title}”을(를) 바꿨습니다"},
}


@dataclass(frozen=True)
class NoticeText:
    """A notice in one language: the sentence, optional details (one line) and a body (comment, decision,
    agenda topic or summary). All plain text."""

    sentence: str
    details: str = ""
    body: str = ""
    body_title: str = ""


def task_notice(event: str, *, actor: str, title: str, **fields: Any) -> dict[str, Any]:
    """The structured notice the task service stores in a task message's meta['notice']."""
    return {"v": NOTICE_VERSION, "event": f"task.{event}", "actor": actor, "title": title, **fields}


def meeting_notice(event: str, *, actor: str, title: str, **fields: Any) -> dict[str, Any]:
    """The structured notice the meeting service stores in a meeting message's meta['notice']."""
    return {"v": NOTICE_VERSION, "event": f"meeting.{event}", "actor": actor, "title": title, **fields}


def _pick(table: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str:
    entry = table.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]


def _t(key: str, lang: str, **params: object) -> str:
    return _pick(_TEXT, key, lang).format(**params)


def _status(value: object, lang: str) -> str:
    return _pick(_STATUS, str(value), lang)


def _list(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, Sequence) and not isinstance(values, str) else ""


def notice_text(message: Message, lang: str) -> NoticeText | None:
    """The notice of a task or meeting message in `lang`, or None when it carries no structured notice."""
    meta = message.meta if isinstance(message.meta, Mapping) else None
    notice = meta.get("notice") if meta else None
    if not isinstance(notice, Mapping) or not isinstance(notice.get("event"), str):
        return None
    event = str(notice["event"])
    base = {"actor": str(notice.get("actor") or message.author), "title": str(notice.get("title") or "")}
    more: list[str] = []
    body = str(notice.get("body") or "")
    if event == "task.created":
        sentence = _t(event, lang, **base)
        if notice.get("assignee"):
            more.append(_t("more.assignee", lang, v=notice["assignee"]))
        if notice.get("due_date"):
            more.append(_t("more.due", lang, v=notice["due_date"]))
        if notice.get("priority") and notice["priority"] != "normal":
            more.append(_t("more.priority", lang, v=_pick(_PRIORITY, str(notice["priority"]), lang)))
        if notice.get("labels"):
            more.append(_t("more.labels", lang, v=_list(notice["labels"])))
        if notice.get("status") and notice["status"] != "TODO":
            more.append(_t("more.status", lang, v=_status(notice["status"], lang)))
        if notice.get("meeting"):
            more.append(_t("more.meeting", lang, v=notice["meeting"]))
    elif event == "task.moved":
        sentence = _t(
            event,
            lang,
            **base,
            from_status=_status(notice.get("from"), lang),
            to_status=_status(notice.get("to"), lang),
        )
    elif event == "task.reassigned":
        if notice.get("to_name"):
            sentence = _t("task.assigned", lang, **base, assignee=notice["to_name"])
        else:
            sentence = _t("task.unassigned", lang, **base)
    elif event == "task.edited":
        names = [_pick(_FIELD, str(f), lang) for f in notice.get("fields") or ()]
        sentence = _t(event, lang, **base, fields=", ".join(names))
    elif event == "meeting.started":
        sentence = _t(event, lang, **base)
        if notice.get("attendees"):
            more.append(_t("more.attendees", lang, v=_list(notice["attendees"])))
    elif event == "meeting.agenda":
        sentence = _t(event, lang, **base, position=notice.get("position", ""))
        if notice.get("presenter"):
            more.append(_t("more.presenter", lang, v=notice["presenter"]))
    elif event in _TEXT:
        sentence = _t(event, lang, **base)
    else:
        sentence = _t("unknown", lang, **base)
    if event == "meeting.ended" and not body and "\n" in message.content:
        body = message.content.split("\n", 1)[1]  # the summary follows the sentence in the stored text
    title = _t("more.summary", lang) if event == "meeting.ended" and body else ""
    return NoticeText(sentence=sentence, details=" · ".join(more), body=body, body_title=title)
