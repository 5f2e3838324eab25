"""The sign-in / sign-up screen shown before anything else."""

from __future__ import annotations

import streamlit as st

from collab_core.errors import CollabError
from collab_core.hub import Hub
from ui.session import show_error, sign_in_as, tr


def render(hub: Hub) -> None:
    st.title(tr("app.title"))
    st.caption(tr("auth.welcome"))
    if hub.accounts.user_count() == 0:
        st.info(tr("auth.first_admin"))
    sign_in_tab, sign_up_tab = st.tabs([tr("auth.sign_in"), tr("auth.sign_up")])
    with sign_in_tab, st.form("sign_in_form"):
        username = st.text_input(tr("auth.username"), key="sign_in_username")
        password = st.text_input(tr("auth.password"), type="password", key="sign_in_password")
        if st.form_submit_button(tr("auth.sign_in"), type="primary"):
            try:
                user = hub.auth.sign_in(username=username, password=password)
            except CollabError as exc:
                show_error(exc)
            else:
                sign_in_as(user)
                st.rerun()
    with sign_up_tab, st.form("sign_up_form"):
        new_name = st.text_input(tr("auth.username"), key="sign_up_username")
        display = st.text_input(tr("auth.display_name"), key="sign_up_display")
        pw1 = st.text_input(tr("auth.password"), type="password", key="sign_up_password")
        pw2 = st.text_input(tr("auth.password_again"), type="password", key="sign_up_password2")
        if st.form_submit_button(tr("auth.sign_up"), type="primary"):
            if pw1 != pw2:
                st.error(tr("auth.passwords_differ"))
            else:
                try:
                    user = hub.auth.sign_up(username=new_name, password=pw1, display_name=display or None)
                except CollabError as exc:
                    show_error(exc)
                else:
                    sign_in_as(user)
                    st.rerun()
