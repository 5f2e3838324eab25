"""Per-user session state: the signed-in user, the active project and the UI language.

The active user comes only from a successful sign-in (AuthService); pages read it through
current_user() and never trust anything else.
"""

from __future__ import annotations

import re
from datetime import tzinfo

import streamlit as st

from collab_core.chat.presentation import viewer_timezone
from collab_core.errors import CollabError
from collab_core.hub import Hub
from collab_core.i18n import error_text, pick_language, register, t
from collab_core.models import Project, User
from collab_core.store.engine import utcnow
from ui.text import PAGE_TEXT

# The page text of every catalog (ui.text), registered once for tr() by the module that looks it up.
register(PAGE_TEXT)

USER_KEY = "auth_user_id"
TOKEN_KEY = "auth_token"
COOKIE_SEEN_KEY = "auth_cookie_seen"
COOKIE_ACTION_KEY = "auth_cookie_action"
COOKIE_NAME = "teamhub_session"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,128}")
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
    """The signed-in user of this browser session, resumed from the sign-in cookie after a reload.

    Every run checks the session's token (SessionService.resume): a token that expired, was signed out
    (here or everywhere), belongs to a disabled account or predates a password change signs the
    browser out on its next run.
    """
    token = st.session_state.get(TOKEN_KEY)
    if token is None:
        st.session_state.pop(USER_KEY, None)
        cookie = None if st.session_state.get(COOKIE_SEEN_KEY) else _cookie_token()
        if not cookie:
            return None
        # A cookie is tried once per browser session: a dead one is cleared, not retried on every run.
        st.session_state[COOKIE_SEEN_KEY] = True
        user = hub.sessions.resume(cookie)
        if user is None:
            st.session_state[COOKIE_ACTION_KEY] = ("clear",)
            return None
        st.session_state[TOKEN_KEY] = cookie
        st.session_state[USER_KEY] = user.id
        return user
    user = hub.sessions.resume(token)
    if user is None or user.id != st.session_state.get(USER_KEY):
        sign_out(hub)
        return None
    return user


def sign_in_as(hub: Hub, user: User, *, remember: bool = False) -> None:
    """Start a sign-in session; only called after AuthService accepted the credentials (or invite sign-up)."""
    started = hub.sessions.start(user_id=user.id, remember=remember)
    st.session_state[USER_KEY] = user.id
    st.session_state[TOKEN_KEY] = started.token
    st.session_state[COOKIE_SEEN_KEY] = True
    st.session_state.pop(PROJECT_KEY, None)
    if remember:
        max_age = int((started.expires_at - utcnow()).total_seconds())
        st.session_state[COOKIE_ACTION_KEY] = ("set", started.token, max_age)
    else:
        st.session_state[COOKIE_ACTION_KEY] = ("clear",)


def sign_out(hub: Hub | None = None, *, everywhere: bool = False) -> None:
    """End the sign-in here (or everywhere) and forget everything about the user (language stays)."""
    token = st.session_state.get(TOKEN_KEY)
    uid = st.session_state.get(USER_KEY)
    if hub is not None:
        if everywhere and uid is not None:
            hub.sessions.end_all(user_id=uid)
        elif token is not None:
            hub.sessions.end(token)
    keep = {k: st.session_state[k] for k in (LANG_KEY,) if k in st.session_state}
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state.update(keep)
    # The cookie this session was opened with stays in st.context: never resume it again here.
    st.session_state[COOKIE_SEEN_KEY] = True
    st.session_state[COOKIE_ACTION_KEY] = ("clear",)
    # An SSO identity cookie would sign the browser straight back in: end it too.
    if sso_logged_in():
        st.logout()


def _cookie_token() -> str | None:
    try:
        cookies = st.context.cookies
    except Exception:  # outside a browser session (bare script runs)
        return None
    value = cookies.get(COOKIE_NAME) if cookies else None
    return value if isinstance(value, str) and 20 <= len(value) <= 128 else None


def cookie_writer() -> None:
    """Write (or clear) the sign-in cookie in the browser; rendered on every run by the router.

    Streamlit can read cookies (st.context.cookies) but not set them, so a two-line script in st.html
    sets it on the app's own origin: Path=/, SameSite=Strict, Secure on https, never in a URL. The
    element is the same on every run, so the browser runs it once per change.
    """
    action = st.session_state.get(COOKIE_ACTION_KEY)
    if not action:
        return
    if action[0] == "set":
        token, max_age = str(action[1]), int(action[2])
        if not _TOKEN_RE.fullmatch(token):
            return
        value = f"{COOKIE_NAME}={token}; Max-Age={max_age}"
    else:
        if not _cookie_token():
            return
        value = f"{COOKIE_NAME}=; Max-Age=0"
    with st.container(key="auth_cookie_writer"):
        st.html(
            "<style>.st-key-auth_cookie_writer{display:none}</style><script>"
            f"document.cookie='{value}; Path=/; SameSite=Strict'+(location.protocol==='https:'?'; Secure':'');"
            "</script>",
            unsafe_allow_javascript=True,
        )


def sso_logged_in() -> bool:
    """Whether this browser holds a Streamlit OIDC identity (only when [auth] is configured)."""
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # no [auth] configuration: st.user has no identity at all
        return False


def active_project(hub: Hub, user: User) -> Project | None:
    """The project picked in the sidebar (or named by the link, ?project=ID), if the user belongs to it."""
    projects = hub.accounts.list_projects(user_id=user.id)
    if not projects:
        st.session_state.pop(PROJECT_KEY, None)
        return None
    pid = st.session_state.get(PROJECT_KEY)
    chosen = next((p for p in projects if p.id == pid), None)
    if chosen is None:
        linked = linked_project_id()
        chosen = next((p for p in projects if p.id == linked), projects[0])
        st.session_state[PROJECT_KEY] = chosen.id
    return chosen


def linked_project_id() -> int | None:
    """The project id a shared link names (?project=ID), if any."""
    raw = st.query_params.get("project")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


def set_project(project_id: int) -> None:
    st.session_state[PROJECT_KEY] = project_id
