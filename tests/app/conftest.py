"""AppTest fixtures: a fresh data dir per test, the app's own cached Hub pointed at it, page runners.

Streamlit 1.67's AppTest with st.navigation runs the main script only on the first run, so pages
are tested directly (AppTest.from_file("app_pages/<page>.py")) with the signed-in user set in session
state, exactly as the router leaves it after a sign-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from collab_core.hub import Hub
from collab_core.models import Project, User

ROOT = Path(__file__).resolve().parents[2]


class RouterTest(AppTest):
    """AppTest on app.py where every run starts at app.py, as every rerun in a browser does.

    AppTest (1.67) otherwise reruns only the page the last run finished on once st.navigation ran,
    skipping the router (sign-in gate, sidebar). A page named by switch_page() is still honoured.
    """

    def _run(self, widget_state=None, timeout=None):  # type: ignore[no-untyped-def]
        self._finished_page_script_hash = ""
        return super()._run(widget_state, timeout)


@dataclass
class AppEnv:
    """The Hub the app uses in this test, plus helpers to build users, projects and page runs."""

    hub: Hub

    def user(self, username: str, display_name: str | None = None) -> User:
        """An account that could sign in (its password is never used: tests start sessions directly)."""
        from collab_core.people.auth import hash_password

        return self.hub.accounts.create_user(
            username=username, display_name=display_name, password_hash=hash_password("app-test-password")
        )

    def project(self, owner: User, name: str = "Team") -> Project:
        return self.hub.accounts.create_project(actor_id=owner.id, name=name)

    def member(self, project: Project, owner: User, user: User, role: str = "member") -> None:
        self.hub.accounts.set_member(actor_id=owner.id, project_id=project.id, user_id=user.id, role=role)

    def demo(self, owner: User) -> int:
        from collab_core.ops.demo import load_demo

        return int(load_demo(self.hub, owner_id=owner.id)["project_id"])

    def sign_in(self, at: AppTest, user: User) -> AppTest:
        """Leave the session as a sign-in does: the user and a live sign-in token."""
        at.session_state["auth_user_id"] = user.id
        at.session_state["auth_token"] = self.hub.sessions.start(user_id=user.id).token
        return at

    def page(self, name: str, user: User, project_id: int | None = None, lang: str = "en") -> AppTest:
        at = self.sign_in(AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=60), user)
        if project_id is not None:
            at.session_state["active_project_id"] = project_id
        at.session_state["ui_lang"] = lang
        return at

    def router(self) -> AppTest:
        return RouterTest(ROOT / "app.py", default_timeout=60)


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppEnv]:
    """COLLAB_DATA_DIR -> a temp dir; deps.get_hub() rebuilt for it and closed afterwards."""
    monkeypatch.setenv("COLLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLLAB_LANGUAGE", "auto")
    monkeypatch.chdir(ROOT)  # Settings.load reads ./.env; the repo has none committed
    from deps import get_hub

    get_hub.clear()
    hub = get_hub()
    try:
        yield AppEnv(hub)
    finally:
        hub.close()
        get_hub.clear()


def texts(at: AppTest) -> str:
    """All markdown/caption/info text on the page, joined (what a user reads)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.info] + [e.value for e in at.error] + [e.value for e in at.warning]
    parts += [t.value for t in at.title] + [h.value for h in at.header] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)
