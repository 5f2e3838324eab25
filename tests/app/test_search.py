"""Search page: hybrid results with highlighted terms and sources, each filter, and the context view."""

from __future__ import annotations

from datetime import date

from collab_core.chat.presentation import safe_markdown
from tests.app.conftest import AppEnv, texts
from ui.messages import message_body


def _results(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [cm.markdown[0].value for cm in at.columns[0].chat_message] if at.columns else []


def test_empty_project_and_no_query(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner)
    at = app_env.page("search", owner, project.id)
    at.run()
    assert not at.exception
    assert "Type a word or a question above" in texts(at)
    at.text_input(key="search_query").set_value("배포").run()
    assert "No messages found" in texts(at)


def test_results_show_author_time_highlight_and_source(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    at = app_env.page("search", owner, pid, lang="ko")
    at.run()
    at.text_input(key="search_query").set_value("배포 일정").run()
    assert not at.exception
    results = [cm.markdown[0].value for cm in at.chat_message]
    qa_plan = next(r for r in results if "QA 시작" in r and r.startswith("**Alice**"))
    assert ":orange-background[**배포**]" in qa_plan and ":orange-background[**일정**]" in qa_plan
    assert ":blue-badge[키워드]" in qa_plan
    assert any(":green-badge[의미]" in r for r in results)
    assert results.index(qa_plan) < 3


def test_filters_narrow_the_results(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    david = app_env.hub.accounts.find_user("david")
    at = app_env.page("search", owner, pid)
    at.run()
    at.text_input(key="search_query").set_value("QA").run()
    everyone = [cm.markdown[0].value for cm in at.chat_message]
    assert {r.split("**")[1] for r in everyone} >= {"Alice", "Bob", "David"}
    at.multiselect(key="search_authors").set_value([david.id]).run()
    only = [cm.markdown[0].value for cm in at.chat_message]
    assert only and all(r.startswith("**David**") for r in only)
    at.multiselect(key="search_authors").set_value([]).run()
    at.multiselect(key="search_kinds").set_value(["system"]).run()
    assert "No messages found" in texts(at)
    at.multiselect(key="search_kinds").set_value([]).run()
    at.date_input(key="search_dates").set_value((date(2020, 1, 1), date(2020, 1, 2))).run()
    assert "No messages found" in texts(at)


def test_show_in_context(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    at = app_env.page("search", owner, pid)
    at.run()
    at.text_input(key="search_query").set_value("로고 2번 확정").run()
    first = next(b for b in at.button if b.key and b.key.startswith("search_ctx_") and b.key != "search_ctx_close")
    target = int(first.key.rsplit("_", 1)[1])
    first.click().run()
    assert not at.exception
    context = [m.value for m in at.markdown if m.value.startswith(":orange-badge[:material/arrow_right: ]")]
    assert len(context) == 1
    message = app_env.hub.messages.get(actor_id=owner.id, message_id=target)
    assert safe_markdown(message.content) in context[0]
    # Neighbours around it are shown too (up to 4 before and 4 after).
    around = app_env.hub.messages.around(actor_id=owner.id, message_id=target, before=4, after=4)
    shown = texts(at)
    # Task notices read in the viewer's language (their structured event), chat messages as written.
    missing = [m.content[:60] for m in around if not any(message_body(m, lang) in shown for lang in ("en", "ko"))]
    assert not missing, missing
