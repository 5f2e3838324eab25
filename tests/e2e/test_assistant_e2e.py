"""The assistant in the real app, in headless Chromium, against the fake OpenAI-compatible server:
ask with @ai in the chat, the answer streams in, its citation opens the source message (author, time),
an invented citation is dropped, and the question and answer stay in the chat."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHAT_INPUT, CHAT_MESSAGE, new_page, no_exceptions, prepare_data, screenshot, sign_in
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-password-123"
HERO = "Change of plan: I'm taking over the hero section from Minji, done by Friday."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        server.chunk_delay = 0.12  # slow enough to watch the answer arrive piece by piece
        yield server


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, start_app: Any, fake: FakeLLM) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("assistant-e2e") / "data"
    info = prepare_data(data_dir, users=[("minji", "Minji", PASSWORD), ("bob", "Bob", PASSWORD)], project="Landing")

    from collab_core.hub import Hub
    from collab_core.settings import Settings

    hub = Hub.open(Settings.load(env_file=None, data_dir=Path(data_dir)))
    try:
        pid = info["projects"]["Landing"]
        hub.messages.post(actor_id=info["users"]["minji"], project_id=pid, content="I'll own the hero section for now.")
        hero = hub.messages.post(actor_id=info["users"]["bob"], project_id=pid, content=HERO)
        hub.messages.post(actor_id=info["users"]["minji"], project_id=pid, content="Lunch at the ramen place?")
    finally:
        hub.close()

    def responder(request: dict[str, Any]) -> str:
        prompt = "\n".join(m["content"] for m in request["messages"])
        cited = f"[#{hero.id}]" if re.search(rf"^#{hero.id} ", prompt, re.M) else ""
        return f"Bob owns the hero section now {cited}; he took it over from Minji and plans to finish by Friday [#999999]."

    fake.responder = responder
    server = start_app(
        data_dir, env={"OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": "sk-e2e", "COLLAB_LLM_MODEL": "fake-model"}
    )
    return {"server": server, "hero": hero}


def test_ask_in_chat_streams_a_cited_answer(setup: dict[str, Any], browser: Any, fake: FakeLLM) -> None:
    server, hero = setup["server"], setup["hero"]
    page = new_page(browser, locale="en-US", timezone_id="UTC")
    page.goto(server.url)  # the first run builds the app's Hub (embedder, migrations): give it time
    page.wait_for_selector("[data-testid=stForm]", timeout=180_000)
    sign_in(page, server.url, "minji", PASSWORD)
    page.locator(CHAT_MESSAGE).filter(has_text="hero section from Minji").first.wait_for()

    box = page.locator(CHAT_INPUT)
    box.fill("@ai who owns the hero section now?")
    box.press("Enter")

    # The answer streams: partial text shows before the whole answer is there.
    answer = page.locator(CHAT_MESSAGE).filter(has_text="Bob owns").last
    answer.wait_for(timeout=60_000)
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = answer.inner_text()
        if not seen or text != seen[-1]:
            seen.append(text)
        if "finish by Friday" in text and page.get_by_text(f"#{hero.id} · Bob").count():
            break
        page.wait_for_timeout(50)
    assert any("Bob owns" in t and "finish by Friday" not in t for t in seen), seen
    final = answer.inner_text()
    assert f"[#{hero.id}]" in final and "#999999" not in final.split("Removed")[0]

    # The citation opens the source message with its author and time; the invented one is reported.
    source = page.get_by_text(re.compile(rf"#{hero.id} · Bob · ")).first
    source.click()
    page.get_by_text(HERO).last.wait_for()
    page.get_by_text(re.compile(r"Removed 1 citation\(s\).*#999999")).first.wait_for()
    no_exceptions(page)
    screenshot(page, "assistant-chat-answer")

    # The model saw the attributed message as quoted data, and answered as a stream.
    request = fake.requests[-1]
    assert request["stream"] is True and request["model"] == "fake-model"
    assert f'Bob: "{HERO}"' in request["messages"][1]["content"]

    # Question and answer are part of the conversation (a new session sees both).
    other = new_page(browser, locale="en-US", timezone_id="UTC")
    sign_in(other, server.url, "bob", PASSWORD)
    other.locator(CHAT_MESSAGE).filter(has_text="@ai who owns the hero section now?").first.wait_for()
    other.locator(CHAT_MESSAGE).filter(has_text="AI Assistant").filter(
        has_text="Bob owns the hero section"
    ).first.wait_for()
    no_exceptions(other)
