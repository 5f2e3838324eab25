"""Chat page: rendering, posting as the signed-in user, errors, roles, paging, tombstones, safety."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collab_core.chat.message_values import ImportItem
from tests.app.conftest import AppEnv, texts


def _setup(app_env: AppEnv) -> tuple:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner, "Team")
    return owner, project


def test_empty_project_invites_the_first_message(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    at = app_env.page("chat", owner, project.id)
    at.run()
    assert not at.exception
    assert "No messages yet" in texts(at)
    assert at.chat_input[0].placeholder == "Message Team"


def test_demo_conversation_renders_with_names_and_day_headings(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    at = app_env.page("chat", owner, pid, lang="ko")
    at.run()
    assert not at.exception
    total = app_env.hub.messages.timeline(actor_id=owner.id, project_id=pid).total
    assert total > 23  # the conversation plus task and meeting events
    shown_messages = sum(len(c.markdown) for c in at.chat_message)
    assert shown_messages == min(50, total)
    assert len(at.chat_message) < shown_messages  # one person's consecutive messages share a header
    shown = texts(at)
    assert "**David**" in shown and "배포 완료! 🎉" in shown
    assert at.button(key="chat_older").label == "이전 메시지 더 보기"
    assert any(c.value.startswith("— ") and "년" in c.value for c in at.caption)  # Korean day headings


def test_posting_stores_the_message_as_the_signed_in_user(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    member = app_env.user("minji", "김민지")
    app_env.member(project, owner, member)
    at = app_env.page("chat", member, project.id)
    at.run()
    at.chat_input[0].set_value("내일 배포 일정 공유드려요 **중요**").run()
    assert not at.exception
    stored = app_env.hub.messages.latest(actor_id=member.id, project_id=project.id)
    assert [(m.author_id, m.author, m.content) for m in stored] == [
        (member.id, "김민지", "내일 배포 일정 공유드려요 **중요**")
    ]
    assert "**김민지**" in at.chat_message[0].markdown[0].value
    assert "내일 배포 일정 공유드려요 **중요**" in at.chat_message[0].markdown[0].value


def test_empty_and_too_long_messages_show_errors_and_store_nothing(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    at = app_env.page("chat", owner, project.id)
    at.run()
    at.chat_input[0].set_value("   ").run()
    assert [e.value for e in at.error] == ["A message cannot be empty. Type something before sending."]
    at.chat_input[0].set_value("가" * 8001).run()
    assert "at most 8,000 characters" in at.error[0].value
    assert app_env.hub.messages.latest(actor_id=owner.id, project_id=project.id) == []


def test_errors_are_in_korean_for_korean_users(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    at = app_env.page("chat", owner, project.id, lang="ko")
    at.run()
    at.chat_input[0].set_value("\n\n").run()
    assert at.error[0].value == "메시지가 비어 있습니다. 내용을 입력한 뒤 보내세요."


def test_html_in_a_message_is_shown_as_text(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    at = app_env.page("chat", owner, project.id)
    at.run()
    at.chat_input[0].set_value('<script>alert(1)</script> <img src=x onerror="alert(2)"> costs $5').run()
    body = at.chat_message[0].markdown[0].value
    # '<' is backslash-escaped (markdown then shows it literally) and '$' cannot start math.
    assert "\\<script>alert(1)\\</script>" in body
    assert '\\<img src=x onerror="alert(2)">' in body
    assert "costs \\$5" in body


def test_viewer_can_read_but_has_no_input(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    viewer = app_env.user("viewer", "Viewer")
    app_env.member(project, owner, viewer, role="viewer")
    app_env.hub.messages.post(actor_id=owner.id, project_id=project.id, content="hello viewers")
    at = app_env.page("chat", viewer, project.id)
    at.run()
    assert not at.exception
    assert not at.chat_input
    assert "hello viewers" in texts(at)
    assert "You can read this project but not post (your role: viewer)." in texts(at)


def test_newest_fifty_then_load_older(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    items = [
        ImportItem(author="owner", content=f"message {i:03d}", created_at=start + timedelta(minutes=i))
        for i in range(60)
    ]
    app_env.hub.messages.import_items(project_id=project.id, items=items, index=False)
    at = app_env.page("chat", owner, project.id)
    at.run()
    assert sum(len(c.markdown) for c in at.chat_message) == 50
    assert "message 010" in at.chat_message[0].markdown[0].value
    at.button(key="chat_older").click().run()
    assert sum(len(c.markdown) for c in at.chat_message) == 60
    assert "message 000" in at.chat_message[0].markdown[0].value
    assert "This is the beginning of the conversation." in texts(at)


def test_removed_message_shows_a_tombstone_and_admins_can_remove(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    first = app_env.hub.messages.post(actor_id=owner.id, project_id=project.id, content="secret token abc")
    app_env.hub.messages.post(actor_id=owner.id, project_id=project.id, content="keep this")
    at = app_env.page("chat", owner, project.id)
    at.run()
    at.toggle(key="chat_moderate").set_value(True).run()
    at.button(key=f"rm_{first.id}").click().run()
    assert not at.exception
    shown = texts(at)
    assert "secret token abc" not in shown
    assert "Message removed by Owner" in shown
    assert "keep this" in shown
    assert app_env.hub.messages.get(actor_id=owner.id, message_id=first.id).is_deleted


def test_members_do_not_get_the_remove_switch(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    member = app_env.user("member", "Member")
    app_env.member(project, owner, member)
    at = app_env.page("chat", member, project.id)
    at.run()
    assert "chat_moderate" not in [t.key for t in at.toggle]
    assert not [b for b in at.button if (b.key or "").startswith("rm_")]


def test_messages_from_others_appear_on_the_next_refresh(app_env: AppEnv) -> None:
    owner, project = _setup(app_env)
    at = app_env.page("chat", owner, project.id)
    at.run()
    other = app_env.user("other", "Other")
    app_env.member(project, owner, other)
    app_env.hub.messages.post(actor_id=other.id, project_id=project.id, content="방금 올린 메시지")
    at.run()  # the live fragment's refresh does the same work
    assert "방금 올린 메시지" in texts(at)
    assert "**Other**" in at.chat_message[0].markdown[0].value


def test_task_notices_read_in_the_viewers_language_with_titles_as_plain_text(app_env: AppEnv) -> None:
    owner = app_env.user("minji", "김민지")
    project = app_env.project(owner)
    title = "**Hero** [copy](http://evil.example)"
    task = app_env.hub.tasks.create_task(actor_id=owner.id, project_id=project.id, title=title)
    app_env.hub.tasks.move_task(actor_id=owner.id, task_id=task.id, status="DONE")
    escaped = r"“\*\*Hero\*\* \[copy\]\(http\://evil\.example\)”"
    ko = app_env.page("chat", owner, project.id, lang="ko")
    ko.run()
    assert not ko.exception
    shown = texts(ko)
    assert f"김민지 님이 {escaped}을\\(를\\) 할 일에서 완료\\(으\\)로 옮겼습니다" in shown
    assert f"김민지 님이 작업 {escaped}을\\(를\\) 만들었습니다" in shown
    assert "moved" not in shown
    en = app_env.page("chat", owner, project.id, lang="en")
    en.run()
    assert f"김민지 moved {escaped} from To do to Done" in texts(en)
