"""The one wrapper around the `openai` client: chat (streaming or not) and JSON output.

Works with OpenAI (OPENAI_API_KEY) and any OpenAI-compatible server (OPENAI_BASE_URL: Ollama,
vLLM, LM Studio). One deadline per request (COLLAB_LLM_TIMEOUT) covers every attempt and wait;
retries are bounded (COLLAB_LLM_MAX_RETRIES). Every SDK error is mapped to one of our LLM* errors
whose message says what happened and what to do about it; a stream that is cut off
(finish_reason "length") or breaks mid-answer is told apart from a server that cannot be reached.

Token counting lives in collab_core.assistant.tokens.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import openai

from collab_core.assistant.tokens import ChatMessage, token_counter_for
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

log = logging.getLogger(__name__)

# Local servers (Ollama, vLLM, LM Studio) accept any key, but the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"


# -- chat ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatResult:
    """One non-streamed completion."""

    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class Probe:
    """Whether the configured LLM answered a tiny request, and how fast."""

    configured: bool
    reachable: bool
    detail: str
    latency_ms: float | None = None
    models: tuple[str, ...] = ()


def _endpoint(settings: Settings) -> str:
    return settings.openai_base_url or "https://api.openai.com/v1"


def _timeout_error(settings: Settings) -> LLMTimeoutError:
    return LLMTimeoutError(
        f"The language model did not answer within {settings.llm_timeout_s:g} seconds.",
        hint="Try again; for a slow local model raise COLLAB_LLM_TIMEOUT.",
    )


def map_error(exc: BaseException, settings: Settings) -> LLMError:
    """An SDK/transport error as our error with a message that says what to do."""
    where = _endpoint(settings)
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return _timeout_error(settings)
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return LLMUnreachableError(
            f"Could not reach the language model server at {where}.",
            hint="Check that the server is running and OPENAI_BASE_URL is right (Ollama: http://localhost:11434/v1).",
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return LLMAuthError(
            "The language model rejected the API key.",
            hint="Check OPENAI_API_KEY in .env (or the key your server expects) and restart the app.",
        )
    if isinstance(exc, openai.RateLimitError):
        body = str(getattr(exc, "body", "") or exc)
        if "insufficient_quota" in body:
            return LLMRateLimitError(
                "The language model account has run out of quota.",
                hint="Add credit or raise the limit for this API key, then try again.",
            )
        return LLMRateLimitError(
            "The language model is rate limiting requests right now.",
            hint="Wait a minute and try again.",
        )
    if isinstance(exc, openai.NotFoundError):
        return LLMModelNotFoundError(
            f"The model {settings.llm_model!r} was not found at {where}.",
            hint="Set COLLAB_LLM_MODEL to a model the server has (Ollama: `ollama list`).",
        )
    if isinstance(exc, openai.BadRequestError):
        return LLMError(
            f"The language model refused the request: {_short(exc)}",
            hint="Try a shorter question; if it persists, check COLLAB_LLM_MODEL.",
        )
    if isinstance(exc, openai.APIStatusError):
        return LLMUnreachableError(
            f"The language model server failed (HTTP {exc.status_code}).",
            hint="Try again in a moment; check the server's logs if it keeps failing.",
        )
    if isinstance(exc, openai.APIError):
        return LLMError(f"The language model failed: {_short(exc)}", hint="Try again.")
    return LLMError(f"The language model failed: {type(exc).__name__}: {exc}", hint="Try again.")


def _short(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    msg = body.get("message") if isinstance(body, dict) else None
    msg = msg or getattr(exc, "message", None) or str(exc)
    return msg if len(msg) <= 200 else msg[:197] + "..."


def retry_after(exc: BaseException) -> float | None:
    """The wait a 429/503 response asks for (retry-after-ms, or Retry-After in seconds or as an HTTP date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _retryable(exc: BaseException) -> bool:
    """Worth another attempt: rate limits (not an empty quota), server errors and refused connections."""
    if isinstance(exc, openai.RateLimitError):
        return "insufficient_quota" not in str(getattr(exc, "body", "") or exc)
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return False  # the attempt used the whole remaining time
    if isinstance(exc, openai.InternalServerError | openai.APIConnectionError):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code in (408, 409)


def build_client(settings: Settings) -> openai.OpenAI:
    """An OpenAI SDK client from Settings (API key and/or base URL). Retries are ours (LLM), not the SDK's,
    so COLLAB_LLM_TIMEOUT bounds the whole wait."""
    if not settings.llm_configured:
        raise LLMNotConfiguredError(
            "No language model is configured, so generation is off.",
            hint="Set OPENAI_API_KEY, or OPENAI_BASE_URL and COLLAB_LLM_MODEL for Ollama/vLLM/LM Studio.",
        )
    t = float(settings.llm_timeout_s)
    return openai.OpenAI(
        api_key=settings.openai_api_key or PLACEHOLDER_KEY,
        base_url=settings.openai_base_url or None,
        timeout=httpx.Timeout(t, connect=min(t, 10.0)),
        max_retries=0,
    )


_JSON_BLOCK = re.compile(r"\{.*\}|\[.*\]", re.DOTALL)


def parse_json(text: str) -> Any:
    """JSON from a model reply: the whole text, a ```json fence, or the outermost {...}/[...]."""
    s = text.strip()
    if s.startswith("```"):
        s = re.sub(r"^```[a-zA-Z]*\s*|\s*```$", "", s)
    try:
        return json.loads(s)
    except json.JSONDecodeError:
        m = _JSON_BLOCK.search(s)
        if m:
            try:
                return json.loads(m.group(0))
            except json.JSONDecodeError:
                pass
    raise LLMOutputError(
        "The language model did not return valid JSON.",
        hint="Try again; smaller local models may need a stronger COLLAB_LLM_MODEL.",
    )


class Deadline:
    """One request's time limit: every attempt, every wait and every streamed chunk share it."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.at = clock() + max(0.0, float(seconds))

    def remaining(self) -> float:
        return self.at - self._clock()


class ChatStream:
    """The text deltas of one streamed answer; afterwards `finish_reason` says how it ended.

    finish_reason "stop" is a finished answer, "length" (or "content_filter") a cut-off one; None
    after the iteration means the server never said it was done. A stream that breaks after text
    arrived raises LLMStreamBrokenError, never "could not reach the server". `cancel()` (from any
    thread) ends the iteration at the next chunk without an error.
    """

    def __init__(self, llm: LLM, *, kwargs: dict[str, Any], deadline: Deadline) -> None:
        self._llm = llm
        self._kwargs = kwargs
        self.deadline = deadline
        self.finish_reason: str | None = None
        self.received = 0  # text deltas so far
        self._cancel = threading.Event()
        self._sdk_stream: Any = None

    @property
    def truncated(self) -> bool:
        return self.finish_reason in ("length", "content_filter")

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def _open(self) -> Any:
        return self._llm._with_retries(
            lambda client: client.chat.completions.create(stream=True, **self._kwargs), self.deadline
        )

    def _stretch_read_timeout(self) -> None:
        # httpcore reads the request's timeout on every receive, so each chunk waits at most
        # what is left of the deadline (not a fresh full timeout per chunk).
        try:
            timeouts = self._sdk_stream.response.request.extensions.get("timeout")
            if isinstance(timeouts, dict):
                timeouts["read"] = max(0.05, self.deadline.remaining())
        except AttributeError:
            pass

    def __iter__(self) -> Iterator[str]:
        settings = self._llm.settings
        if self._cancel.is_set():
            return
        self._sdk_stream = self._open()
        try:
            for chunk in self._sdk_stream:
                if self._cancel.is_set():
                    return
                if self.deadline.remaining() <= 0:
                    raise _timeout_error(settings)
                self._stretch_read_timeout()
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                if choice.finish_reason:
                    self.finish_reason = choice.finish_reason
                delta = choice.delta.content if choice.delta else None
                if delta:
                    self.received += 1
                    yield delta
        except LLMError:
            raise
        except Exception as exc:
            if self._cancel.is_set():
                return
            err = map_error(exc, settings)
            if self.received and not isinstance(err, LLMTimeoutError):
                raise _broken(settings) from exc
            raise err from exc
        finally:
            with contextlib.suppress(Exception):
                self._sdk_stream.close()
        if self.finish_reason is None and not self._cancel.is_set():
            raise _broken(settings)


def _broken(settings: Settings) -> LLMStreamBrokenError:
    return LLMStreamBrokenError(
        "The connection to the language model dropped in the middle of the answer.",
        hint="Try again; if it keeps happening, check the server or proxy between us and "
        f"{_endpoint(settings)} for dropped connections.",
    )


class LLM:
    """Chat with the configured model. Thread-safe (the SDK client is); build once per process.

    Every call has one deadline, COLLAB_LLM_TIMEOUT seconds, that covers all its attempts and the
    waits between them (a rate limit's Retry-After is honoured when it fits, else reported).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        client: openai.OpenAI | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._client = client
        self.model = settings.llm_model
        self.counter = token_counter_for(settings)
        self._sleep = sleep

    @property
    def configured(self) -> bool:
        return self._client is not None or self.settings.llm_configured

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            self._client = build_client(self.settings)
        return self._client

    def count_tokens(self, text: str) -> int:
        return self.counter.count(text)

    def _kwargs(self, temperature: float, max_tokens: int | None) -> dict[str, Any]:
        kw: dict[str, Any] = {"model": self.model, "temperature": temperature}
        if max_tokens:
            kw["max_tokens"] = max_tokens
        return kw

    def deadline(self) -> Deadline:
        return Deadline(self.settings.llm_timeout_s)

    def _with_retries(self, call: Callable[[openai.OpenAI], Any], deadline: Deadline) -> Any:
        """call(client) with each attempt limited to what is left of the deadline; bounded retries."""
        attempt = 0
        while True:
            left = deadline.remaining()
            if left <= 0.01:
                raise _timeout_error(self.settings)
            client = self.client.with_options(timeout=httpx.Timeout(left, connect=min(left, 10.0)), max_retries=0)
            try:
                return call(client)
            except LLMError:
                raise
            except openai.BadRequestError:
                raise  # the caller may rephrase (json mode) before mapping it
            except Exception as exc:
                err = map_error(exc, self.settings)
                attempt += 1
                if not _retryable(exc) or attempt > max(0, int(self.settings.llm_max_retries)):
                    raise err from exc
                wait = retry_after(exc)
                if wait is None:
                    wait = min(4.0, 0.25 * 2 ** (attempt - 1))
                if wait >= deadline.remaining() - 0.05:
                    if isinstance(err, LLMRateLimitError):
                        raise LLMRateLimitError(
                            f"The language model is rate limiting requests and asked us to wait {wait:.0f} s, "
                            f"longer than the {self.settings.llm_timeout_s:g}-second limit.",
                            hint="Try again in a minute, or raise COLLAB_LLM_TIMEOUT.",
                        ) from exc
                    raise err from exc
                log.info("LLM attempt %d failed (%s); retrying in %.2f s", attempt, err.code, wait)
                self._sleep(wait)

    def chat(
        self,
        *,
        messages: Sequence[ChatMessage],
        temperature: float = 0.2,
        max_tokens: int | None = None,
        json_mode: bool = False,
    ) -> ChatResult:
        """One completion; raises an LLMError subclass with a user-facing message on failure."""
        kw = self._kwargs(temperature, max_tokens)
        if json_mode:
            kw["response_format"] = {"type": "json_object"}
        deadline = self.deadline()

        def create(client: openai.OpenAI) -> Any:
            return client.chat.completions.create(messages=list(messages), **kw)  # type: ignore[arg-type]

        try:
            resp = self._with_retries(create, deadline)
        except openai.BadRequestError as exc:
            # LM Studio and some vLLM builds reject json_object; ask again and parse the text.
            if not (json_mode and "response_format" in str(exc)):
                raise map_error(exc, self.settings) from exc
            kw.pop("response_format")
            try:
                resp = self._with_retries(create, deadline)
            except openai.BadRequestError as exc2:
                raise map_error(exc2, self.settings) from exc2
        if not resp.choices:
            raise LLMOutputError("The language model returned no answer.", hint="Try again.")
        choice = resp.choices[0]
        usage = resp.usage
        return ChatResult(
            text=choice.message.content or "",
            model=resp.model or self.model,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            finish_reason=choice.finish_reason,
        )

    def stream(
        self, *, messages: Sequence[ChatMessage], temperature: float = 0.2, max_tokens: int | None = None
    ) -> ChatStream:
        """Text deltas as they arrive (iterate the result); errors, also mid-stream, are LLMError subclasses.

        Nothing is sent until the iteration starts; the deadline starts now.
        """
        kw = {**self._kwargs(temperature, max_tokens), "messages": list(messages)}
        return ChatStream(self, kwargs=kw, deadline=self.deadline())

    def chat_json(
        self, *, messages: Sequence[ChatMessage], temperature: float = 0.0, max_tokens: int | None = None
    ) -> Any:
        """A completion parsed as JSON (json_object mode when the server supports it)."""
        result = self.chat(messages=messages, temperature=temperature, max_tokens=max_tokens, json_mode=True)
        return parse_json(result.text)

    def probe(self) -> Probe:
        """Configured and reachable? Lists models (cheap, no tokens spent); never raises."""
        if not self.configured:
            return Probe(False, False, "not configured")
        start = time.perf_counter()
        try:
            page = self.client.with_options(max_retries=0, timeout=min(10.0, self.settings.llm_timeout_s)).models.list()
            models = tuple(m.id for m in page.data)
        except Exception as exc:
            err = map_error(exc, self.settings)
            return Probe(True, False, str(err))
        ms = (time.perf_counter() - start) * 1000
        if models and self.model not in models:
            return Probe(
                True,
                True,
                f"reachable, but model {self.model!r} is not in the server's list "
                f"({', '.join(models[:5])}{'...' if len(models) > 5 else ''}); set COLLAB_LLM_MODEL",
                ms,
                models,
            )
        return Probe(True, True, f"reachable in {ms:.0f} ms", ms, models)
