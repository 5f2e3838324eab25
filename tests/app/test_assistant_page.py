"""Assistant page (AppTest, no LLM configured): says generation is off, summarises from the data,
finds action items in the chat and accepts one into the task board; viewers cannot accept."""

from __future__ import annotations

from tests.app.conftest import texts


def test_summary_and_action_items_without_llm(app_env):
    owner = app_env.user("minji", "Minji")
    pid = app_env.project(owner, "Launch").id
    hub = app_env.hub
    hub.messages.post(actor_id=owner.id, project_id=pid, content="Decided: the launch moved to Friday.")
    src = hub.messages.post(actor_id=owner.id, project_id=pid, content="I'll write the release notes by 2030-05-02.")

    at = app_env.page("assistant", owner, pid).run()
    assert not at.exception
    assert "Answer generation is off" in texts(at)

    at.button(key="ai_summarize").click().run()
    assert not at.exception
    body = texts(at)
    assert "Summary generation is off" in body and "2 messages" in body and "Minji 2" in body

    at.button(key="ai_extract").click().run()
    assert not at.exception
    assert "I'll write the release notes by 2030-05-02." in texts(at)
    at.button(key="ai_accept_0").click().run()
    assert not at.exception
    assert "Added to the task board" in "\n".join(s.value for s in at.success)
    (task,) = hub.tasks.list_tasks(actor_id=owner.id, project_id=pid)
    assert task.assignee == "Minji" and task.source_message_id == src.id and str(task.due_date) == "2030-05-02"


def test_viewer_reads_but_cannot_ask_or_accept(app_env):
    owner = app_env.user("minji", "Minji")
    viewer = app_env.user("guest", "Guest")
    project = app_env.project(owner, "Launch")
    app_env.member(project, owner, viewer, role="viewer")
    app_env.hub.messages.post(actor_id=owner.id, project_id=project.id, content="Can you review the pricing page?")
    at = app_env.page("assistant", viewer, project.id, lang="ko").run()
    assert not at.exception
    assert "질문이나 작업 추가는 할 수 없습니다" in texts(at)
    at.button(key="ai_extract").click().run()
    assert not at.exception
    assert not [b for b in at.button if b.key and b.key.startswith("ai_accept")]
