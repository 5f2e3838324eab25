"""The first hour in Chromium (Korean locale): a deep link opened signed out asks for a sign-in and then
shows the linked page; the first "create project" press creates and switches; a reload keeps the
sign-in, a revoked token does not; an invite link signs a new person up into the project with its
role; an open page shows a project its user was just added to, without any interaction."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SIDEBAR, new_page, no_exceptions, prepare_data, screenshot, wait_idle

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-first-hour-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, start_app: Any) -> Any:
    data_dir = tmp_path_factory.mktemp("first") / "data"
    data = prepare_data(
        data_dir, users=[("minji", "김민지", PASSWORD), ("jisoo", "박지수", PASSWORD)], project="출시 준비"
    )
    from collab_core.hub import Hub
    from collab_core.settings import Settings

    hub = Hub.open(Settings.load(env_file=None, data_dir=data_dir))
    try:
        pid = data["projects"]["출시 준비"]
        invite = hub.invites.create(actor_id=data["users"]["minji"], project_id=pid, role="viewer")
        other = hub.accounts.create_project(actor_id=data["users"]["minji"], name="디자인")
    finally:
        hub.close()
    srv = start_app(data_dir)
    srv.invite_token, srv.project_id, srv.other_id = invite.token, pid, other.id
    srv.users = data["users"]
    return srv


def _sign_in_form(page: Any, username: str) -> None:
    page.locator(".st-key-sign_in_username input").fill(username, timeout=90_000)
    page.locator(".st-key-sign_in_password input").fill(PASSWORD)
    page.locator("[data-testid=stFormSubmitButton] button").first.click()
    page.wait_for_selector(SIDEBAR, timeout=90_000)
    wait_idle(page)


def _db(server: Any) -> sqlite3.Connection:
    return sqlite3.connect(server.data_dir / "collab.db", timeout=30)


def test_first_hour(server: Any, browser: Any) -> None:
    page = new_page(browser)
    # 1. A deep link, signed out: the sign-in form (no file names), then the linked page and project.
    page.goto(f"{server.url}/timeline?project={server.project_id}")
    expect(page.locator(".st-key-sign_in_username")).to_be_visible(timeout=90_000)
    assert page.locator("[data-testid=stSidebarNav]").count() == 0
    _sign_in_form(page, "minji")
    page.wait_for_url("**/timeline**")
    expect(page.get_by_text("출시 준비").first).to_be_visible()
    no_exceptions(page)

    # 2. The first press of "프로젝트 만들기" creates the project and switches to it.
    page.locator(f"{SIDEBAR} summary", has_text="새 프로젝트").click()
    page.locator(".st-key-sidebar_new_project_name input").fill("첫 프로젝트")
    page.get_by_role("button", name="프로젝트 만들기").click()
    expect(page.get_by_text("프로젝트를 만들고 이동했습니다: 첫 프로젝트")).to_be_visible(timeout=60_000)
    expect(page.locator(".st-key-sidebar_project input")).to_have_value("첫 프로젝트")

    # 3. A reload (a new Streamlit session) keeps the sign-in; a revoked token does not.
    page.reload()
    page.wait_for_selector(SIDEBAR, timeout=90_000)
    expect(page.get_by_text("김민지 님으로 로그인됨")).to_be_visible(timeout=60_000)
    with _db(server) as conn:
        conn.execute("UPDATE signin_sessions SET ended_at = CURRENT_TIMESTAMP WHERE ended_at IS NULL")
    page.reload()
    expect(page.locator(".st-key-sign_in_username")).to_be_visible(timeout=90_000)
    no_exceptions(page)

    # 4. jisoo's open page shows a project she is added to, without any interaction.
    jisoo = new_page(browser)
    jisoo.goto(server.url)
    _sign_in_form(jisoo, "jisoo")
    expect(jisoo.locator(".st-key-sidebar_project input")).to_have_value("출시 준비")
    with _db(server) as conn:
        conn.execute(
            "INSERT INTO memberships (project_id, user_id, role, joined_at) VALUES (?, ?, 'member', CURRENT_TIMESTAMP)",
            (server.other_id, server.users["jisoo"]),
        )
    expect(jisoo.get_by_text("새 프로젝트에 참여했습니다: 디자인")).to_be_visible(timeout=20_000)

    # 5. An invite link signs a new person up straight into the project with its role.
    newbie = new_page(browser)
    newbie.goto(f"{server.url}/?invite={server.invite_token}")
    expect(newbie.get_by_text("출시 준비").first).to_be_visible(timeout=90_000)
    newbie.locator(".st-key-sign_up_username input").fill("newbie")
    newbie.locator(".st-key-sign_up_password input").fill(PASSWORD)
    newbie.locator(".st-key-sign_up_password2 input").fill(PASSWORD)
    newbie.get_by_role("button", name="계정 만들기").last.click()
    newbie.wait_for_selector(SIDEBAR, timeout=90_000)
    expect(newbie.get_by_text("내 역할: 뷰어", exact=True)).to_be_visible(timeout=60_000)
    assert "invite=" not in newbie.url
    with _db(server) as conn:
        role = conn.execute(
            "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.username = 'newbie'"
        ).fetchall()
    assert role == [("viewer",)]
    screenshot(newbie, "first-hour-invited")
    no_exceptions(newbie)
