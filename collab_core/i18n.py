"""UI text in Korean and English. Pages call t(key, lang, **params); unknown keys fall back to English.

Feature modules register their own strings with register({...}) so each page keeps its text
next to its code while the lookup stays in one place.
"""

from __future__ import annotations

import re

LANGS = ("en", "ko")

_CATALOG: dict[str, dict[str, str]] = {
    "app.title": {"en": "Team Hub", "ko": "팀 허브"},
    "app.tagline": {"en": "Your team's shared memory", "ko": "팀의 모든 대화를 기억하는 협업 공간"},
    "nav.chat": {"en": "Chat", "ko": "채팅"},
    "nav.timeline": {"en": "Timeline", "ko": "타임라인"},
    "nav.contributions": {"en": "Contributions", "ko": "기여도"},
    "nav.search": {"en": "Search", "ko": "검색"},
    "nav.tasks": {"en": "Tasks", "ko": "작업 보드"},
    "nav.meetings": {"en": "Meetings", "ko": "회의"},
    "nav.inbox": {"en": "Inbox", "ko": "알림함"},
    "nav.assistant": {"en": "Assistant", "ko": "AI 어시스턴트"},
    "nav.admin": {"en": "Admin", "ko": "관리"},
    "nav.account": {"en": "Sign in", "ko": "로그인"},
    "lang.label": {"en": "Language", "ko": "언어"},
    "auth.sign_in": {"en": "Sign in", "ko": "로그인"},
    "auth.sign_up": {"en": "Create account", "ko": "계정 만들기"},
    "auth.sign_out": {"en": "Sign out", "ko": "로그아웃"},
    "auth.username": {"en": "Username", "ko": "사용자 이름"},
    "auth.display_name": {"en": "Display name (optional)", "ko": "표시 이름 (선택)"},
    "auth.password": {"en": "Password", "ko": "비밀번호"},
    "auth.password_again": {"en": "Password again", "ko": "비밀번호 확인"},
    "auth.passwords_differ": {"en": "The passwords do not match.", "ko": "비밀번호가 서로 다릅니다."},
    "auth.first_admin": {
        "en": "No accounts yet: the first account you create becomes the system admin.",
        "ko": "아직 계정이 없습니다. 처음 만드는 계정이 시스템 관리자가 됩니다.",
    },
    "auth.signed_in_as": {"en": "Signed in as **{name}**", "ko": "**{name}** 님으로 로그인됨"},
    "auth.welcome": {
        "en": "Sign in to your team's shared space.",
        "ko": "팀 공간에 로그인하세요.",
    },
    "project.label": {"en": "Project", "ko": "프로젝트"},
    "project.create": {"en": "New project", "ko": "새 프로젝트"},
    "project.name": {"en": "Project name", "ko": "프로젝트 이름"},
    "project.description": {"en": "Description", "ko": "설명"},
    "project.create_button": {"en": "Create project", "ko": "프로젝트 만들기"},
    "project.load_demo": {"en": "Load the demo project", "ko": "데모 프로젝트 불러오기"},
    "project.none": {
        "en": "You are not in any project yet. Create one, load the demo, or ask a teammate to add you.",
        "ko": "아직 참여한 프로젝트가 없습니다. 새로 만들거나 데모를 불러오거나, 팀원에게 초대를 요청하세요.",
    },
    "project.role": {"en": "Your role: {role}", "ko": "내 역할: {role}"},
    "role.owner": {"en": "owner", "ko": "소유자"},
    "role.admin": {"en": "admin", "ko": "관리자"},
    "role.member": {"en": "member", "ko": "멤버"},
    "role.viewer": {"en": "viewer", "ko": "뷰어"},
    "common.error": {"en": "Something went wrong: {detail}", "ko": "문제가 발생했습니다: {detail}"},
    "common.no_project": {
        "en": "Pick or create a project in the sidebar.",
        "ko": "사이드바에서 프로젝트를 선택하거나 만드세요.",
    },
}

# English error messages from collab_core (regex) -> Korean template with the same groups.
_ERRORS_KO: list[tuple[re.Pattern[str], str]] = []


def register(entries: dict[str, dict[str, str]]) -> None:
    """Add strings for a page or feature."""
    _CATALOG.update(entries)


def register_error(pattern: str, korean: str) -> None:
    """Translate a collab_core error message (regex with named groups) into Korean."""
    _ERRORS_KO.append((re.compile(pattern), korean))


def t(key: str, lang: str = "en", **params: object) -> str:
    """The text for key in lang, formatted with params."""
    entry = _CATALOG.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**params) if params else text


def error_text(message: str, lang: str = "en") -> str:
    """A collab_core error message in the UI language (English is the source language)."""
    if lang != "ko":
        return message
    for pattern, korean in _ERRORS_KO:
        m = pattern.search(message)
        if m:
            return korean.format(**m.groupdict())
    return message


def pick_language(setting: str, browser_locale: str | None) -> str:
    """ko/en from the setting, or the browser's locale when the setting is auto."""
    if setting in LANGS:
        return setting
    return "ko" if (browser_locale or "").lower().startswith("ko") else "en"


# Core error messages (collab_core raises English; these keep Korean users in Korean).
for _pattern, _ko in [
    (r"^A message cannot be empty", "메시지가 비어 있습니다. 내용을 입력한 뒤 보내세요."),
    (
        r"^A message can be at most (?P<limit>[\d,]+) characters; this one has (?P<n>[\d,]+)",
        "메시지는 최대 {limit}자까지 보낼 수 있습니다(현재 {n}자). 여러 메시지로 나누어 보내세요.",
    ),
    (r"^Wrong username or password", "사용자 이름 또는 비밀번호가 올바르지 않습니다."),
    (r"^Too many failed sign-ins", "로그인 실패가 너무 많습니다. 15분 후에 다시 시도하세요."),
    (r"^The username '(?P<name>.*)' is taken", "사용자 이름 '{name}'은(는) 이미 사용 중입니다."),
    (r"^A password needs at least (?P<n>\d+) characters", "비밀번호는 최소 {n}자 이상이어야 합니다."),
    (r"^A project named '(?P<name>.*)' already exists", "'{name}' 프로젝트가 이미 있습니다."),
    (
        r"^Your role \((?P<role>\w+)\) does not allow this",
        "현재 역할({role})로는 이 작업을 할 수 없습니다. 프로젝트 관리자에게 문의하세요.",
    ),
    (r"^That project does not exist", "프로젝트가 없거나 참여하지 않은 프로젝트입니다."),
    (r"^The backup is not valid JSON", "백업 파일이 올바른 JSON이 아닙니다. 내보내기로 만든 파일을 선택하세요."),
    (r"^Backup format version", "지원하지 않는 백업 형식 버전입니다."),
    (r"missing field\(s\) (?P<fields>.+)\.$", "백업 파일에 필수 항목이 없습니다: {fields}"),
    (r"^The (?P<what>[\w ]+) cannot be empty", "{what} 항목은 비워 둘 수 없습니다."),
]:
    register_error(_pattern, _ko)
