"""End-to-end fixtures: the real app (`streamlit run app.py`) on a free port with its own data dir,
Debian's Chromium driven by Playwright, and helpers to prepare data, sign in and take screenshots.

Reuse from other e2e modules:

    def test_x(start_app, browser):
        data = prepare_data(tmp_dir, users=[("minji", "김민지", "pw-minji-123")], project="Team")
        server = start_app(tmp_dir, env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
        page = new_page(browser)
        sign_in(page, server.url, "minji", "pw-minji-123")

The local vector store can be opened by one process at a time: prepare_data() opens and closes
its own Hub, so call it before start_app() (or change data through the UI afterwards).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Stable selectors (DESIGN.md section 7).
CHAT_INPUT = "[data-testid=stChatInput] textarea"
CHAT_MESSAGE = "[data-testid=stChatMessage]"
SIDEBAR = "[data-testid=stSidebar]"
EXCEPTION = "[data-testid=stException]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AppServer:
    """One `streamlit run app.py` process; stopped by its pid."""

    data_dir: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> AppServer:
        env = {
            **os.environ,
            "COLLAB_DATA_DIR": str(self.data_dir),
            "MEM0_TELEMETRY": "False",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"streamlit-{self.port}.log"
        self._log = log = self.log_path.open("wb")
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout} s")

    def stop(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.kill(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None


@pytest.fixture(scope="module")
def start_app() -> Iterator[Callable[..., AppServer]]:
    """Start app servers for this module: start_app(data_dir, env={...}); all stop when it ends."""
    servers: list[AppServer] = []

    def start(data_dir: Path, env: Mapping[str, str] | None = None) -> AppServer:
        server = AppServer(Path(data_dir), free_port(), dict(env or {})).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium (never `playwright install`: there is no network)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(
    browser: Any, *, locale: str = "ko-KR", timezone_id: str = "Asia/Seoul", width: int = 1440, height: int = 960
) -> Any:
    """A fresh browser context (its own Streamlit session) and page."""
    context = browser.new_context(locale=locale, timezone_id=timezone_id, viewport={"width": width, "height": height})
    context.set_default_timeout(30_000)
    return context.new_page()


def prepare_data(
    data_dir: Path,
    *,
    users: Sequence[tuple[str, str, str]] = (),
    project: str | None = None,
    demo: bool = False,
    demo_passwords: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Create users (username, display name, password), a project they all join (first = owner) and/or
    the demo project, in the data dir, with the app not running. Returns ids by name."""
    os.environ.setdefault("MEM0_TELEMETRY", "False")
    from collab_core.hub import Hub
    from collab_core.settings import Settings

    hub = Hub.open(Settings.load(env_file=None, data_dir=Path(data_dir)))
    out: dict[str, Any] = {"users": {}, "projects": {}}
    try:
        created = []
        for username, display, password in users:
            u = hub.auth.sign_up(username=username, password=password, display_name=display)
            out["users"][username] = u.id
            created.append(u)
        if project and created:
            p = hub.accounts.create_project(actor_id=created[0].id, name=project)
            for u in created[1:]:
                hub.accounts.set_member(actor_id=created[0].id, project_id=p.id, user_id=u.id, role="member")
            out["projects"][project] = p.id
        if demo:
            from collab_core.ops.demo import load_demo

            owner = created[0].id if created else None
            info = load_demo(hub, owner_id=owner)
            out["projects"][info["project"]] = info["project_id"]
            for username, password in (demo_passwords or {}).items():
                u = hub.accounts.find_user(username)
                assert u is not None, username
                hub.auth.set_password(actor_id=None, user_id=u.id, password=password)  # operator reset
                out["users"][username] = u.id
    finally:
        hub.close()
    return out


def wait_idle(page: Any, settle_ms: int = 300) -> None:
    """Wait until Streamlit has finished the current run (no 'running' status widget)."""
    page.wait_for_timeout(settle_ms)
    with contextlib.suppress(Exception):
        page.wait_for_selector("[data-testid=stStatusWidget]", state="hidden", timeout=30_000)


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    """Through the app's own sign-in form; returns once a page (chat input or sidebar) is shown."""
    page.goto(url)
    form = page.locator("[data-testid=stForm]").first
    form.locator("input[type=text]").first.fill(username)
    form.locator("input[type=password]").first.fill(password)
    form.locator("[data-testid=stFormSubmitButton] button").click()
    page.wait_for_selector(SIDEBAR, timeout=60_000)
    wait_idle(page)


def go_to(page: Any, url_path: str) -> None:
    """Switch page with the sidebar navigation (a reload would start a new, signed-out session).

    url_path "" is the default page (the first link, served at the root URL)."""
    nav = page.locator("[data-testid=stSidebarNav] a")
    (nav.first if not url_path else page.locator(f'[data-testid=stSidebarNav] a[href$="/{url_path}"]')).click()
    if url_path:
        page.wait_for_url(re.compile(rf"/{re.escape(url_path)}(\?|$)"))  # the address also names the project
    wait_idle(page)


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG into test-artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def no_exceptions(page: Any) -> None:
    """Fail with the app's own error text if the page shows an uncaught exception."""
    errors = page.locator(EXCEPTION)
    if errors.count():
        raise AssertionError(errors.first.inner_text())
