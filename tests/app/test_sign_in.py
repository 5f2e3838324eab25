"""The sign-in screen through the router (AppTest on app.py): the same message for a wrong password and
an unknown user, lockout, sign-in, sign-out clearing the session, and the optional SSO button."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from collab_core.people.auth import GENERIC_FAILURE
from tests.app.conftest import AppEnv, texts

SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-not-real",
        "client_id": "collab-hub-test",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
}


def _router(app_env: AppEnv) -> AppTest:
    at = app_env.router()
    at.session_state["ui_lang"] = "en"
    return at.run()


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").set_value(username)
    at.text_input(key="sign_in_password").set_value(password)
    return at.button(key="FormSubmitter:sign_in_form-Sign in").click().run()


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_wrong_password_and_unknown_user_show_the_same_message(app_env: AppEnv) -> None:
    app_env.hub.auth.sign_up(username="minji", password="correct horse 1")
    at = _sign_in(_router(app_env), "minji", "wrong password")
    wrong = _errors(at)
    at = _sign_in(_router(app_env), "nobody-here", "wrong password")
    assert wrong == _errors(at) == [GENERIC_FAILURE]
    assert "auth_user_id" not in at.session_state


def test_korean_ui_shows_the_generic_message_in_korean(app_env: AppEnv) -> None:
    at = app_env.router()
    at.session_state["ui_lang"] = "ko"
    at.run()
    at.text_input(key="sign_in_username").set_value("민지")
    at.text_input(key="sign_in_password").set_value("틀린 비밀번호")
    at.button(key="FormSubmitter:sign_in_form-로그인").click().run()
    assert _errors(at) == ["사용자 이름 또는 비밀번호가 올바르지 않습니다."]


def test_fifth_failure_locks_even_the_right_password(app_env: AppEnv) -> None:
    app_env.hub.auth.sign_up(username="minji", password="correct horse 1")
    at = _router(app_env)
    for _ in range(5):
        at = _sign_in(at, "minji", "guess guess")
    at = _sign_in(at, "minji", "correct horse 1")
    assert any("Too many failed sign-ins" in e for e in _errors(at))
    assert "auth_user_id" not in at.session_state


def test_sign_in_then_sign_out_clears_the_session(app_env: AppEnv) -> None:
    hub = app_env.hub
    user = hub.auth.sign_up(username="minji", password="correct horse 1", display_name="김민지")
    project = hub.accounts.create_project(actor_id=user.id, name="Launch")
    at = _sign_in(_router(app_env), "MINJI", "correct horse 1")
    assert not at.exception
    assert at.session_state["auth_user_id"] == user.id
    assert at.session_state["active_project_id"] == project.id
    assert "Signed in as **김민지**" in texts(at)
    assert "sign_in_password" not in at.session_state  # the typed password is not kept
    at.sidebar.button(key="sidebar_sign_out").click()
    # AppTest (1.67) reruns only the last page once st.navigation ran; clearing the finished page makes
    # the next run start at app.py again, as every rerun in a real browser does.
    at._finished_page_script_hash = ""
    at.run()
    assert not at.exception
    for key in ("auth_user_id", "active_project_id", "sidebar_project"):
        assert key not in at.session_state, key
    assert at.session_state["sign_in_password"] == ""  # the sign-in form again, empty
    assert at.session_state["ui_lang"] == "en"  # only the language survives
    assert [t.label for t in at.tabs] == ["Sign in", "Create account"]
    assert not at.chat_input


def test_no_sso_button_without_auth_configuration(app_env: AppEnv) -> None:
    at = _router(app_env)
    assert not [b for b in at.button if (b.key or "").startswith("sso_login")]


def test_sso_button_is_offered_next_to_local_accounts_when_configured(app_env: AppEnv) -> None:
    at = app_env.router()
    at.session_state["ui_lang"] = "en"
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert at.button(key="sso_login_default").label == "Sign in with single sign-on"
    assert [t.label for t in at.tabs] == ["Sign in", "Create account"]


def test_sso_identity_maps_to_a_local_account_created_once(app_env: AppEnv) -> None:
    hub = app_env.hub
    local = hub.auth.sign_up(username="minji", password="correct horse 1")
    ids = []
    for _ in range(2):
        at = app_env.router()
        at.session_state["ui_lang"] = "en"
        at.secrets = SSO_SECRETS
        at.user = {"is_logged_in": True, "email": "MinJi@example.com", "name": "김민지", "email_verified": True}
        at.run()
        assert not at.exception
        ids.append(at.session_state["auth_user_id"])
    assert ids[0] == ids[1] != local.id
    sso_user = hub.accounts.get_user(ids[0])
    assert (sso_user.username, sso_user.display_name, sso_user.is_system_admin) == ("minji-2", "김민지", False)


def test_unverified_sso_email_is_refused(app_env: AppEnv) -> None:
    at = app_env.router()
    at.session_state["ui_lang"] = "en"
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": True, "email": "x@example.com", "name": "X", "email_verified": False}
    at.run()
    assert "auth_user_id" not in at.session_state
    assert any("not verified" in e for e in _errors(at))
    assert at.button(key="sso_sign_out")


def test_loading_the_demo_never_takes_over_someone_elses_project(app_env: AppEnv) -> None:
    hub = app_env.hub
    alice = hub.auth.sign_up(username="alice_real", password="correct horse 1")
    theirs = hub.accounts.create_project(actor_id=alice.id, name="Landing Page Team")
    mallory = hub.auth.sign_up(username="mallory", password="correct horse 2")
    at = app_env.router()
    at.session_state["ui_lang"] = "en"
    app_env.sign_in(at, mallory)
    at.run()
    at.sidebar.button(key="sidebar_demo").click()
    at._finished_page_script_hash = ""  # rerun app.py itself (see the sign-out test)
    at.run()
    assert not at.exception
    mine = hub.accounts.list_projects(user_id=mallory.id)
    assert [(p.name, p.role) for p in mine] == [("Landing Page Team (mallory)", "owner")]
    members = {m.username: m.role for m in hub.accounts.list_members(actor_id=None, project_id=theirs.id)}
    assert members == {"alice_real": "owner"}
