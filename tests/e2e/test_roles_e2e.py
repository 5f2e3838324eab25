"""Roles end to end in Chromium: sign up, sign in, roles given on the admin page, a viewer has no chat
input, an admin removes a message and the viewer's open chat shows the tombstone, and HTML/JS in
display names and project names renders as text (no script runs)."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    CHAT_INPUT,
    CHAT_MESSAGE,
    SIDEBAR,
    go_to,
    new_page,
    no_exceptions,
    prepare_data,
    screenshot,
    wait_idle,
)

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-roles-pass-1"
# Payloads that would run if any of these strings reached the page as HTML.
OWNER_NAME = '<img src=x onerror="window.__xss=1">Boss'
VIEWER_NAME = "<script>window.__xss=2</script>Viewer"
PROJECT = '<svg onload="window.__xss=3">Launch</svg>'
MESSAGE = "배포 일정은 금요일 오후 3시입니다 — deploy on Friday"
LIVE_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, start_app: Any) -> Any:
    """An admin account made by the operator; everyone else signs up in the browser."""
    data_dir = tmp_path_factory.mktemp("roles") / "data"
    prepare_data(data_dir, users=[("admin1", "Admin Lee", PASSWORD)])
    return start_app(data_dir)


def _page(browser: Any) -> Any:
    page = new_page(browser, locale="en-US", timezone_id="Asia/Seoul")
    page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"a script opened a dialog: {d.message}")))
    return page


def _sign_up(page: Any, url: str, username: str, display: str) -> None:
    page.goto(url)
    page.get_by_role("tab", name="Create account").click()
    page.locator(".st-key-sign_up_username input").fill(username, timeout=90_000)
    page.locator(".st-key-sign_up_display input").fill(display)
    page.locator(".st-key-sign_up_password input").fill(PASSWORD)
    page.locator(".st-key-sign_up_password2 input").fill(PASSWORD)
    page.get_by_role("button", name="Create account").last.click()
    page.wait_for_selector(SIDEBAR, timeout=90_000)
    wait_idle(page)


def _sign_in(page: Any, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.locator(".st-key-sign_in_username input").fill(username, timeout=90_000)
    page.locator(".st-key-sign_in_password input").fill(password)
    page.get_by_role("button", name="Sign in").last.click()
    page.wait_for_selector(SIDEBAR, timeout=90_000)
    wait_idle(page)


def _sign_out(page: Any) -> None:
    # The sidebar can be re-laid out by a rerun that is already running (a project just appeared);
    # a click that lands during it is dropped by Streamlit, so try again once the page is idle.
    for _ in range(3):
        wait_idle(page)
        page.locator(".st-key-sidebar_sign_out button").click()
        try:
            page.locator(".st-key-sign_in_username").wait_for(timeout=20_000)
            return
        except Exception:
            continue
    screenshot(page, "roles-sign-out-failed")
    raise AssertionError("signing out did not bring back the sign-in form")


def _pick(page: Any, key: str, option: str) -> None:
    # A click that lands while Streamlit is re-rendering the page (a rerun already in flight) can
    # open the list on an element that is replaced a moment later; wait for the page to be idle and
    # open the list again until the option shows.
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(4):
        wait_idle(page)
        page.locator(f".st-key-{key} [role=combobox]").click()
        try:
            choice.wait_for(timeout=10_000)
            choice.click()
            return
        except Exception:
            page.keyboard.press("Escape")
    screenshot(page, f"roles-pick-{key}-failed")
    raise AssertionError(f"the {option!r} option of {key} never showed")


def _add_member(page: Any, username: str, role: str) -> None:
    # The person is picked by name: typing filters the account list, the option reads "Name (@username)".
    wait_idle(page)
    page.locator(".st-key-admin_member_add_pick [role=combobox]").click()
    page.keyboard.type(username)
    page.get_by_role("option", name=re.compile(rf"\(@{re.escape(username)}\)$")).first.click()
    _pick(page, "admin_member_add_role", role)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text(re.compile(rf"is now {role}\."))).to_be_visible(timeout=60_000)


def _no_script_ran(page: Any) -> None:
    assert page.evaluate("window.__xss") is None
    no_exceptions(page)


def test_roles_tombstone_and_markup_as_text(server: Any, browser: Any) -> None:
    url = server.url
    # 1. The viewer signs up first: no project yet.
    viewer = _page(browser)
    _sign_up(viewer, url, "viewer1", VIEWER_NAME)
    expect(viewer.get_by_text("You are not in any project yet", exact=False)).to_be_visible()
    _no_script_ran(viewer)

    # 2. The owner signs up, creates a project with markup in its name and posts.
    owner = _page(browser)
    _sign_up(owner, url, "owner1", OWNER_NAME)
    sidebar = owner.locator(SIDEBAR)
    sidebar.get_by_label("Project name").fill(PROJECT)
    sidebar.get_by_role("button", name="Create project").click()
    owner.locator(CHAT_INPUT).wait_for(timeout=90_000)
    box = owner.locator(CHAT_INPUT)
    box.fill(MESSAGE)
    box.press("Enter")
    expect(owner.locator(CHAT_MESSAGE).filter(has_text=MESSAGE)).to_be_visible(timeout=60_000)
    # Markup shows as the literal text a person typed, never as elements.
    expect(owner.get_by_role("heading", level=3).filter(has_text=PROJECT)).to_be_visible()
    expect(owner.locator(SIDEBAR).get_by_role("combobox", name="Project")).to_be_visible()
    expect(owner.locator(CHAT_MESSAGE).filter(has_text=MESSAGE).get_by_text(OWNER_NAME, exact=False)).to_be_visible()
    assert owner.locator("svg[onload], img[src=x], script:text('__xss')").count() == 0
    _no_script_ran(owner)

    # 3. On the admin page the owner gives roles: viewer1 viewer, admin1 admin.
    go_to(owner, "admin")
    expect(owner.get_by_role("tab", name="Members")).to_be_visible(timeout=60_000)
    _add_member(owner, "viewer1", "viewer")
    _add_member(owner, "admin1", "admin")
    members = owner.locator("[data-testid=stDataFrame]").first
    expect(members).to_be_visible()
    screenshot(owner, "roles-admin-members")
    _no_script_ran(owner)

    # 4. The viewer signs out and in again: the project is there, read-only (no chat input).
    _sign_out(viewer)
    _sign_in(viewer, url, "viewer1")
    expect(viewer.locator(CHAT_MESSAGE).filter(has_text=MESSAGE)).to_be_visible(timeout=60_000)
    expect(viewer.get_by_text("You can read this project but not post", exact=False)).to_be_visible()
    assert viewer.locator("[data-testid=stChatInput]").count() == 0
    assert viewer.locator(".st-key-chat_moderate").count() == 0
    go_to(viewer, "admin")
    expect(viewer.get_by_text("Only project admins and owners", exact=False)).to_be_visible(timeout=60_000)
    assert viewer.get_by_role("tab").count() == 0
    go_to(viewer, "")
    expect(viewer.locator(CHAT_MESSAGE).filter(has_text=MESSAGE)).to_be_visible(timeout=60_000)
    _no_script_ran(viewer)

    # 5. The admin signs in, switches to moderation and removes the message.
    admin = _page(browser)
    _sign_in(admin, url, "admin1")
    target = admin.locator(CHAT_MESSAGE).filter(has_text=MESSAGE)
    expect(target).to_be_visible(timeout=60_000)
    admin.locator(".st-key-chat_moderate label").click()
    delete = admin.locator("[class*='st-key-rm_'] button").first
    delete.wait_for(timeout=60_000)
    delete.click()
    tombstone = re.compile(r"Message removed by Admin Lee")
    expect(admin.get_by_text(tombstone)).to_be_visible(timeout=LIVE_MS)

    # 6. The viewer's open chat shows the tombstone without a reload; the text is gone.
    expect(viewer.get_by_text(tombstone)).to_be_visible(timeout=LIVE_MS)
    expect(viewer.locator(CHAT_MESSAGE).filter(has_text=MESSAGE)).to_have_count(0)
    screenshot(viewer, "roles-viewer-tombstone")
    _no_script_ran(viewer)

    # 7. The deletion is in the audit log the owner reads.
    go_to(owner, "admin")
    # A tab click that lands during a rerun is lost, and while a rerun replaces the page the old
    # tab bar can still be in the DOM beside the new one: wait for the page to settle, click again.
    for _ in range(5):
        wait_idle(owner)
        with contextlib.suppress(Exception):
            owner.get_by_role("tab", name="Audit log").last.click(timeout=10_000)
            owner.locator(".st-key-admin_audit_action").wait_for(state="visible", timeout=15_000)
            break
    _pick(owner, "admin_audit_action", "message.delete")
    wait_idle(owner)
    expect(owner.get_by_text("1 entries (newest first)")).to_be_visible(timeout=60_000)
    screenshot(owner, "roles-audit-log")
    _no_script_ran(owner)
    for page in (viewer, owner, admin):
        page.context.close()
