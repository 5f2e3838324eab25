"""Inbox page: mentions of the signed-in user, newest first, marked read one by one or all at once."""

from __future__ import annotations

from tests.app.conftest import AppEnv, texts


def test_mentions_show_up_and_can_be_marked_read(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner, "Team")
    minji = app_env.user("minji", "김민지")
    app_env.member(project, owner, minji)
    hub = app_env.hub
    hub.messages.post(actor_id=owner.id, project_id=project.id, content="@김민지님 로고 확인 부탁해요")
    hub.messages.post(actor_id=owner.id, project_id=project.id, content="@minji and the pricing copy too")
    hub.messages.post(actor_id=owner.id, project_id=project.id, content="no mention here")

    at = app_env.page("inbox", minji, project.id, lang="ko")
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "읽지 않음 2개" in shown and "로고 확인 부탁해요" in shown and "pricing copy" in shown
    assert "no mention here" not in shown
    newest, oldest = hub.mentions.inbox(user_id=minji.id)
    at.button(key=f"mention_read_{newest.id}").click().run()
    assert hub.mentions.unread_count(user_id=minji.id) == 1
    assert "pricing copy" not in texts(at)  # unread only by default
    at.button(key="inbox_mark_all").click().run()
    assert hub.mentions.unread_count(user_id=minji.id) == 0
    assert "멘션이 없습니다" in texts(at)
    at.toggle(key="inbox_unread_only").set_value(False).run()
    assert "로고 확인 부탁해요" in texts(at) and "pricing copy" in texts(at)
    at.button(key=f"mention_read_{oldest.id}").click().run()  # back to unread
    assert hub.mentions.unread_count(user_id=minji.id) == 1
