"""The app side of digests: opening a project records the visit and shows the "since you were last
here" banner; an e-mail's unsubscribe link works without signing in; the inbox lists digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.app.conftest import AppEnv, texts


def _team(app_env: AppEnv):
    owner = app_env.user("owner", "Owner")
    member = app_env.user("minji", "김민지")
    project = app_env.project(owner)
    app_env.member(project, owner, member)
    return owner, member, project


def test_opening_a_project_records_the_visit_and_shows_what_changed_since(app_env: AppEnv) -> None:
    hub = app_env.hub
    owner, member, project = _team(app_env)
    earlier = datetime.now(UTC) - timedelta(hours=3)
    hub.visits.record(user_id=member.id, project_id=project.id, now=earlier)
    hub.messages.post(actor_id=owner.id, project_id=project.id, content="@minji 배포 체크리스트 확인 부탁해요")
    hub.tasks.create_task(actor_id=owner.id, project_id=project.id, title="Login QA", assignee_id=member.id)

    at = app_env.router()
    app_env.sign_in(at, member)
    at.session_state["ui_lang"] = "en"
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "Since you were last here" in shown
    assert "배포 체크리스트" in shown and "Login QA · new" in shown
    # The visit is recorded: the assistant's "since my last visit" starts where the earlier visit ended.
    assert hub.assistant.last_visit(actor_id=member.id, project_id=project.id) == earlier
    at.button(key="since_dismiss").click().run()
    assert "Since you were last here" not in texts(at)


def test_first_visit_shows_no_banner(app_env: AppEnv) -> None:
    owner, member, project = _team(app_env)
    app_env.hub.messages.post(actor_id=owner.id, project_id=project.id, content="@minji welcome")
    at = app_env.router()
    app_env.sign_in(at, member)
    at.session_state["ui_lang"] = "en"
    at.run()
    assert not at.exception and "Since you were last here" not in texts(at)


def test_unsubscribe_link_works_signed_out(app_env: AppEnv) -> None:
    hub = app_env.hub
    _, member, project = _team(app_env)
    hub.prefs.set_profile(
        actor_id=member.id, user_id=member.id, email="m@example.com", language="ko", timezone="Asia/Seoul"
    )
    token = hub.prefs.unsubscribe_token(user_id=member.id, project_id=project.id, kind="daily")
    at = app_env.router()
    at.session_state["ui_lang"] = "ko"
    at.query_params["unsubscribe"] = token
    at.run()
    assert not at.exception
    assert "Team의 일일 요약 메일을 더 이상 보내지 않습니다" in at.success[0].value
    assert not hub.prefs.profile(user_id=member.id).wants_email(project.id, "daily")
    at.query_params["unsubscribe"] = token[:-3] + "xyz"
    at.run()
    assert at.error and not at.success


def test_inbox_lists_digests_and_saves_settings(app_env: AppEnv) -> None:
    hub = app_env.hub
    owner, member, project = _team(app_env)
    hub.messages.post(actor_id=owner.id, project_id=project.id, content="@minji 회의록 확인해 주세요")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    hub.digests.run_due(now=tomorrow)
    at = app_env.page("inbox", member, project.id)
    at.run()
    assert not at.exception
    assert any("Daily digest" in e.label or "일일 요약" in e.label for e in at.expander)
    form_inputs = [t for t in at.text_input if t.label.startswith("E-mail")]
    form_inputs[0].set_value("minji@example.com")
    at.button(key="FormSubmitter:digest_settings_form-Save digest settings").click().run()
    assert not at.exception
    assert hub.prefs.profile(user_id=member.id).email == "minji@example.com"
