"""The LLM wrapper through the real `openai` client against the fake OpenAI-compatible server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from collab_core.assistant.llm import LLM, build_client, parse_json
from collab_core.assistant.tokens import TokenCounter, estimate_tokens
from collab_core.errors import (
    LLMAuthError,
    LLMError,
    LLMModelNotFoundError,
    LLMNotConfiguredError,
    LLMOutputError,
    LLMRateLimitError,
    LLMStreamBrokenError,
    LLMTimeoutError,
    LLMUnreachableError,
)
from collab_core.settings import Settings
from tests.fake_llm import FakeLLM, Reply

CHAT = [{"role": "user", "content": "hello"}]


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def make_llm(fake: FakeLLM, **overrides: object) -> LLM:
    base = Settings(openai_base_url=fake.url, openai_api_key="sk-test", llm_model="fake-model", llm_max_retries=0)
    return LLM(settings=replace(base, **overrides))


def test_chat_sends_model_key_and_messages(fake):
    fake.script(Reply(text="Hi there"))
    result = make_llm(fake).chat(messages=CHAT, temperature=0.1)
    assert result.text == "Hi there" and result.model == "fake-model"
    req = fake.requests[-1]
    assert req["model"] == "fake-model" and req["messages"] == CHAT and req["temperature"] == 0.1
    assert fake.headers[-1]["authorization"] == "Bearer sk-test"


def test_local_server_without_key_gets_a_placeholder():
    settings = Settings(openai_base_url="http://127.0.0.1:9/v1")
    assert build_client(settings).api_key == "not-needed"


def test_not_configured_says_how_to_turn_it_on():
    with pytest.raises(LLMNotConfiguredError, match="generation is off") as err:
        build_client(Settings())
    assert "OPENAI_API_KEY" in err.value.hint and "OPENAI_BASE_URL" in err.value.hint


def test_streaming_yields_pieces_in_order(fake):
    fake.script(Reply(chunks=["Hel", "lo ", "wor", "ld"]))
    pieces = list(make_llm(fake).stream(messages=CHAT))
    assert pieces == ["Hel", "lo ", "wor", "ld"]
    assert fake.requests[-1]["stream"] is True


def test_json_mode_parses_and_rejects_non_json(fake):
    fake.script(Reply(text='```json\n{"items": []}\n```'), Reply(text="sorry, no JSON today"))
    llm = make_llm(fake)
    assert llm.chat_json(messages=CHAT) == {"items": []}
    assert fake.requests[-1]["response_format"] == {"type": "json_object"}
    with pytest.raises(LLMOutputError, match="valid JSON"):
        llm.chat_json(messages=CHAT)


def test_json_mode_falls_back_when_the_server_rejects_response_format(fake):
    # LM Studio-style refusal of json_object: ask again without it and parse the text.
    fake.script(Reply(status=400, message="'response_format.type' must be 'json_schema'"), Reply(text='{"ok": true}'))
    assert make_llm(fake).chat_json(messages=CHAT) == {"ok": True}
    assert "response_format" in fake.requests[0] and "response_format" not in fake.requests[1]


def test_other_bad_requests_are_reported(fake):
    fake.script(Reply(status=400, message="This model's maximum context length is 8192 tokens"))
    with pytest.raises(LLMError, match="refused the request: This model's maximum context length"):
        make_llm(fake).chat(messages=CHAT)


@pytest.mark.parametrize(
    ("reply", "error", "message", "hint"),
    [
        (Reply(status=401), LLMAuthError, "rejected the API key", "OPENAI_API_KEY"),
        (Reply(status=429), LLMRateLimitError, "rate limiting", "Wait a minute"),
        (Reply(status=429, error_code="insufficient_quota"), LLMRateLimitError, "out of quota", "credit"),
        (Reply(status=404), LLMModelNotFoundError, "'fake-model' was not found", "COLLAB_LLM_MODEL"),
        (Reply(status=503), LLMUnreachableError, "HTTP 503", "Try again"),
    ],
)
def test_http_errors_become_clear_messages(fake, reply, error, message, hint):
    fake.script(reply)
    with pytest.raises(error, match=message) as err:
        make_llm(fake).chat(messages=CHAT)
    assert hint in err.value.hint


def test_streaming_errors_are_mapped_too(fake):
    fake.script(Reply(status=401))
    with pytest.raises(LLMAuthError):
        list(make_llm(fake).stream(messages=CHAT))


def test_timeout_names_the_limit_and_the_setting(fake):
    fake.script(Reply(text="late", delay=1.5))
    with pytest.raises(LLMTimeoutError, match=r"within 0\.5 seconds") as err:
        make_llm(fake, llm_timeout_s=0.5).chat(messages=CHAT)
    assert "COLLAB_LLM_TIMEOUT" in err.value.hint


def test_unreachable_server_names_the_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    llm = LLM(settings=Settings(openai_base_url=f"http://127.0.0.1:{port}/v1", llm_max_retries=0, llm_timeout_s=2))
    with pytest.raises(LLMUnreachableError, match=f"127.0.0.1:{port}") as err:
        llm.chat(messages=CHAT)
    assert "OPENAI_BASE_URL" in err.value.hint


def test_retries_are_bounded(fake):
    fake.script(Reply(status=429), Reply(text="second try"))
    assert make_llm(fake, llm_max_retries=1).chat(messages=CHAT).text == "second try"
    assert len(fake.requests) == 2
    fake.reset()
    fake.script(Reply(status=429), Reply(status=429), Reply(status=429), Reply(text="never reached"))
    with pytest.raises(LLMRateLimitError):
        make_llm(fake, llm_max_retries=1).chat(messages=CHAT)
    assert len(fake.requests) == 2


def test_probe_reports_reachability_and_a_missing_model(fake):
    p = make_llm(fake).probe()
    assert p.configured and p.reachable and "reachable" in p.detail
    missing = make_llm(fake, llm_model="llama3:70b").probe()
    assert missing.reachable and "llama3:70b" in missing.detail and "COLLAB_LLM_MODEL" in missing.detail
    assert not LLM(settings=Settings()).probe().configured


def test_token_counter_never_downloads_and_estimates_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))  # empty cache: tiktoken would need the network
    from collab_core.assistant import tokens as llm_module

    llm_module._cached_encoding.cache_clear()
    counter = TokenCounter("gpt-4o-mini")
    assert not counter.exact and counter.method == "estimate"
    assert counter.count("hello world") == estimate_tokens("hello world")
    assert TokenCounter("llama3.1:8b").method == "estimate"
    llm_module._cached_encoding.cache_clear()


def test_estimate_is_in_a_sensible_range():
    english = "The staging server is down again because of the SSL certificate."
    korean = "다음 주 배포 일정은 수요일 오후로 확정했어요."
    assert 12 <= estimate_tokens(english) <= 24
    assert 15 <= estimate_tokens(korean) <= 30
    assert estimate_tokens("") == 0
    assert estimate_tokens("🚀") == 2


def test_parse_json_finds_the_object_in_chatter():
    assert parse_json('Here you go: {"a": [1, 2]} hope it helps') == {"a": [1, 2]}


# -- one deadline per request, honest failures ------------------------------------------------------


def test_a_hung_model_ends_within_the_deadline_with_one_request(fake):
    fake.script(Reply(hang=True), Reply(text="never asked"))
    llm = make_llm(fake, llm_timeout_s=1.0, llm_max_retries=2)
    start = time.monotonic()
    with pytest.raises(LLMTimeoutError, match=r"within 1 seconds"):
        llm.chat(messages=CHAT)
    assert time.monotonic() - start < 1.0 + 2.0
    assert len(fake.requests) == 1  # a timed-out attempt used the whole deadline: no second load


def test_a_hung_stream_ends_within_the_deadline(fake):
    fake.script(Reply(hang=True))
    start = time.monotonic()
    with pytest.raises(LLMTimeoutError):
        list(make_llm(fake, llm_timeout_s=1.0, llm_max_retries=2).stream(messages=CHAT))
    assert time.monotonic() - start < 1.0 + 2.0


def test_retries_share_the_deadline(fake):
    # Every attempt fails slowly; the retries may not stretch the wait beyond the one deadline.
    fake.script(*[Reply(status=500, delay=0.4) for _ in range(6)])
    start = time.monotonic()
    with pytest.raises(LLMError):
        make_llm(fake, llm_timeout_s=1.0, llm_max_retries=5).chat(messages=CHAT)
    assert time.monotonic() - start < 1.0 + 2.0
    assert 2 <= len(fake.requests) <= 3


def test_retry_after_is_honoured_when_it_fits_the_deadline(fake):
    fake.script(Reply(status=429, retry_after=0.3), Reply(text="after the wait"))
    waits: list[float] = []
    llm = LLM(
        settings=Settings(openai_base_url=fake.url, openai_api_key="k", llm_model="fake-model", llm_timeout_s=5),
        sleep=lambda s: (waits.append(s), time.sleep(s)),
    )
    assert llm.chat(messages=CHAT).text == "after the wait"
    assert waits == [0.3] and len(fake.requests) == 2


def test_retry_after_beyond_the_deadline_is_reported_at_once(fake):
    fake.script(Reply(status=429, retry_after=30), Reply(text="never asked"))
    llm = make_llm(fake, llm_timeout_s=5, llm_max_retries=2)
    start = time.monotonic()
    with pytest.raises(LLMRateLimitError, match=r"asked us to wait 30 s, longer than the 5-second limit"):
        llm.chat(messages=CHAT)
    assert time.monotonic() - start < 2 and len(fake.requests) == 1


@pytest.mark.parametrize(("status", "error", "tries"), [(401, LLMAuthError, 1), (500, LLMUnreachableError, 3)])
def test_only_transient_failures_are_retried(fake, status, error, tries):
    fake.script(*[Reply(status=status) for _ in range(5)])
    with pytest.raises(error):
        make_llm(fake, llm_max_retries=2).chat(messages=CHAT)
    assert len(fake.requests) == tries


def test_a_cut_off_stream_says_so(fake):
    fake.script(Reply(chunks=["The deadline ", "moved to"], finish_reason="length"))
    stream = make_llm(fake).stream(messages=CHAT)
    assert "".join(stream) == "The deadline moved to"
    assert stream.finish_reason == "length" and stream.truncated


def test_a_stream_that_breaks_mid_answer_is_not_called_unreachable(fake):
    fake.script(Reply(chunks=["Half ", "an ", "answer"], fail_after_chunks=2))
    stream = make_llm(fake).stream(messages=CHAT)
    got: list[str] = []
    with pytest.raises(LLMStreamBrokenError, match="dropped in the middle of the answer"):
        for piece in stream:
            got.append(piece)
    assert got == ["Half ", "an "]


def test_a_cancelled_stream_stops_quietly(fake):
    fake.script(Reply(chunks=["one ", "two ", "three"], chunk_delay=0.05))
    stream = make_llm(fake).stream(messages=CHAT)
    got = []
    for piece in stream:
        got.append(piece)
        stream.cancel()
    assert got == ["one "] and stream.cancelled
