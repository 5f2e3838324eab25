"""Per-user session state: the signed-in user, the active project and the UI language.

The active user comes only from a successful sign-in (AuthService); pages read it through
current_user() and never trust anything else.
"""

from __future__ import annotations

from datetime import tzinfo

import streamlit as st

from collab_core.chat.presentation import viewer_timezone
from collab_core.errors import CollabError
from collab_core.hub import Hub
from collab_core.i18n import error_text, pick_language, register, t
from collab_core.models import Project, User
from ui.text import PAGE_TEXT

# The page text of every catalog (ui.text), registered once for tr() by the module that looks it up.
register(PAGE_TEXT)

USER_KEY = "auth_user_id"
PROJECT_KEY = "active_project_id"
LANG_KEY = "ui_lang"


def lang() -> str:
    """The UI language for this session (ko/en)."""
    if LANG_KEY not in st.session_state:
        from deps import get_hub

        setting = get_hub().settings.language
        locale = getattr(st.context, "locale", None)
        st.session_state[LANG_KEY] = pick_language(setting, locale)
    return st.session_state[LANG_KEY]


def tr(key: str, **params: object) -> str:
    """Translate a UI key in the session's language."""
    return t(key, lang(), **params)


def viewer_tz() -> tzinfo:
    """The browser's timezone (st.context), falling back to its UTC offset, then UTC."""
    return viewer_timezone(getattr(st.context, "timezone", None), getattr(st.context, "timezone_offset", None))


def show_error(exc: CollabError) -> None:
    """A collab_core error as st.error in the user's language, with its hint."""
    text = error_text(exc.message, lang())
    if exc.hint and lang() != "ko":
        text = f"{text} {exc.hint}"
    st.error(text, icon="⚠️")


def current_user(hub: Hub) -> User | None:
    uid = st.session_state.get(USER_KEY)
    if uid is None:
        return None
    try:
        user = hub.accounts.get_user(uid)
    except CollabError:
        user = None
    if user is None or user.disabled:
        sign_out()
        return None
    return user


def sign_in_as(user: User) -> None:
    """Only called after AuthService accepted the credentials."""
    st.session_state[USER_KEY] = user.id
    st.session_state.pop(PROJECT_KEY, None)


def sign_out() -> None:
    """Forget everything about the user in this session (language stays)."""
    keep = st.session_state.get(LANG_KEY)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if keep:
        st.session_state[LANG_KEY] = keep
    # An SSO identity cookie would sign the browser straight back in: end it too.
    if sso_logged_in():
        st.logout()


def sso_logged_in() -> bool:
    """Whether this browser holds a Streamlit OIDC identity (only when [auth] is configured)."""
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # no [auth] configuration: st.user has no identity at all
        return False


def active_project(hub: Hub, user: User) -> Project | None:
    """The project picked in the sidebar, if the user still belongs to it."""
    projects = hub.accounts.list_projects(user_id=user.id)
    if not projects:
        st.session_state.pop(PROJECT_KEY, None)
        return None
    pid = st.session_state.get(PROJECT_KEY)
    chosen = next((p for p in projects if p.id == pid), None)
    if chosen is None:
        chosen = projects[0]
        st.session_state[PROJECT_KEY] = chosen.id
    return chosen


def set_project(project_id: int) -> None:
    st.session_state[PROJECT_KEY] = project_id
