"""The sign-in / sign-up screen shown before anything else.

Local accounts (username + password) are always available. When `.streamlit/secrets.toml` has an
[auth] section (Streamlit's OIDC support), a single sign-on button is offered as well; the identity
the provider confirms is mapped to a local account by AuthService.sign_in_sso (created on the first
SSO sign-in), so roles and attribution work the same way for both.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from collab_core.errors import CollabError
from collab_core.hub import Hub
from ui.invites import pending_invite
from ui.session import show_error, sign_in_as, sso_logged_in, tr


def sso_providers() -> list[str | None] | None:
    """None when SSO is not configured; otherwise the providers to offer ([None] = the default one)."""
    try:
        if "auth" not in st.secrets:
            return None
        section = st.secrets["auth"]
    except Exception:  # no secrets.toml at all
        return None
    named = [k for k, v in section.items() if isinstance(v, Mapping)]
    return named or [None]  # type: ignore[return-value]


def _sso(hub: Hub, providers: list[str | None]) -> None:
    if sso_logged_in():
        info = st.user
        try:
            user = hub.auth.sign_in_sso(
                email=info.get("email"),  # type: ignore[arg-type]
                name=info.get("name"),  # type: ignore[arg-type]
                email_verified=info.get("email_verified"),  # type: ignore[arg-type]
            )
        except CollabError as exc:
            show_error(exc)
            st.button(tr("auth.sign_out"), key="sso_sign_out", on_click=st.logout)
        else:
            sign_in_as(hub, user, remember=True)
            st.rerun()
        return
    for provider in providers:
        label = tr("auth.sso_button") + (f" ({provider})" if provider else "")
        st.button(
            label,
            key=f"sso_login_{provider or 'default'}",
            type="primary",
            icon=":material/key:",
            on_click=st.login,
            args=(provider,) if provider else (),
        )
    st.caption(tr("auth.sso_or"))


def _remember(hub: Hub, key: str) -> bool:
    days = hub.settings.session_days
    return st.checkbox(tr("auth.remember"), value=True, key=key, help=tr("auth.remember_help", days=days))


def render(hub: Hub) -> None:
    """The sign-in and sign-up forms (the page a link named opens once signed in)."""
    st.title(tr("app.title"))
    st.caption(tr("auth.welcome"))
    invite = pending_invite(hub)
    providers = sso_providers()
    if providers is not None:
        _sso(hub, providers)
    if hub.auth.needs_bootstrap() and invite is None:
        st.info(tr("auth.first_admin"))
    labels = [tr("auth.sign_in"), tr("auth.sign_up")]
    if invite is not None:
        labels.reverse()  # a new person with an invite link most likely needs an account
    tabs = dict(zip(labels, st.tabs(labels), strict=True))
    with tabs[tr("auth.sign_in")], st.form("sign_in_form"):
        username = st.text_input(tr("auth.username"), key="sign_in_username", autocomplete="username")
        password = st.text_input(
            tr("auth.password"), type="password", key="sign_in_password", autocomplete="current-password"
        )
        remember = _remember(hub, "sign_in_remember")
        if st.form_submit_button(tr("auth.sign_in"), type="primary"):
            try:
                user = hub.auth.sign_in(username=username, password=password)
            except CollabError as exc:
                show_error(exc)
            else:
                sign_in_as(hub, user, remember=remember)
                st.rerun()
    with tabs[tr("auth.sign_up")], st.form("sign_up_form"):
        new_name = st.text_input(tr("auth.username"), key="sign_up_username", autocomplete="username")
        display = st.text_input(tr("auth.display_name"), key="sign_up_display")
        pw1 = st.text_input(tr("auth.password"), type="password", key="sign_up_password", autocomplete="new-password")
        pw2 = st.text_input(
            tr("auth.password_again"), type="password", key="sign_up_password2", autocomplete="new-password"
        )
        remember = _remember(hub, "sign_up_remember")
        if st.form_submit_button(tr("auth.sign_up"), type="primary"):
            if pw1 != pw2:
                st.error(tr("auth.passwords_differ"))
            else:
                try:
                    user = hub.auth.sign_up(username=new_name, password=pw1, display_name=display or None)
                except CollabError as exc:
                    show_error(exc)
                else:
                    sign_in_as(hub, user, remember=remember)
                    st.rerun()
