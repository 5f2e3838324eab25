"""The router's first run: the sign-in gate, then the sidebar and the default page for a signed-in user."""

from __future__ import annotations

from tests.app.conftest import AppEnv, texts


def test_signed_out_visitor_sees_only_the_sign_in_form(app_env: AppEnv) -> None:
    at = app_env.router()
    at.session_state["ui_lang"] = "en"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Team Hub"
    assert [t.label for t in at.tabs] == ["Sign in", "Create account"]
    assert not at.chat_input  # no page content before signing in


def test_sign_up_through_the_form_signs_the_user_in(app_env: AppEnv) -> None:
    at = app_env.router()
    at.session_state["ui_lang"] = "en"
    at.run()
    at.text_input(key="sign_up_username").set_value("minji")
    at.text_input(key="sign_up_display").set_value("김민지")
    at.text_input(key="sign_up_password").set_value("correct horse battery")
    at.text_input(key="sign_up_password2").set_value("correct horse battery")
    at.button[1].click().run()  # the sign-up form's submit button
    assert not at.exception
    user = app_env.hub.accounts.find_user("minji")
    assert user is not None and user.display_name == "김민지"
    assert at.session_state["auth_user_id"] == user.id


def test_signed_in_user_gets_sidebar_and_chat_page(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    at = app_env.router()
    app_env.sign_in(at, owner)
    at.session_state["ui_lang"] = "en"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="sidebar_project").value == pid
    assert "Signed in as **Owner**" in texts(at)
    # The default page is the chat, showing the demo conversation.
    assert any("배포 완료!" in cm.markdown[0].value for cm in at.chat_message)
    assert at.chat_input
