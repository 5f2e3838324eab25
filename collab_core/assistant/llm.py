"""The one wrapper around the `openai` client: chat (streaming or not), JSON output, token counting.

Works with OpenAI (OPENAI_API_KEY) and any OpenAI-compatible server (OPENAI_BASE_URL: Ollama,
vLLM, LM Studio). Timeouts and bounded retries come from Settings; every SDK error is mapped to
one of our LLM* errors whose message says what happened and what to do about it.

Token counting uses tiktoken only when the model is an OpenAI model *and* its encoding file is
already in tiktoken's local cache: tiktoken would otherwise download it at run time, which an
offline install cannot do. Without the file we fall back to a conservative offline estimate
(`TokenCounter.exact` is False then) so budgets never depend on the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
import openai

from collab_core.errors import (
    LLMAuthError,
    LLMError,
    LLMModelNotFoundError,
    LLMNotConfiguredError,
    LLMOutputError,
    LLMRateLimitError,
    LLMTimeoutError,
    LLMUnreachableError,
)
from collab_core.settings import Settings

log = logging.getLogger(__name__)

# Local servers (Ollama, vLLM, LM Studio) accept any key, but the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"

ChatMessage = dict[str, str]

# -- token counting ------------------------------------------------------------------------------

# tiktoken's public encoding files and their sha256 (tiktoken_ext.openai_public, tiktoken 0.14).
_ENCODING_FILES = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

_LATIN_RUN = re.compile(r"[A-Za-z]+")
_DIGIT_RUN = re.compile(r"[0-9]+")
_CJK_CHAR = re.compile(r"[\uac00-\ud7a3\u3040-\u30ff\u3400-\u9fff]")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")
_SPACE = re.compile(r"\s")


@lru_cache(maxsize=65536)
def estimate_tokens(text: str) -> int:
    """Offline token estimate, calibrated to err high for BPE tokenisers (o200k/cl100k, Llama, Qwen).

    Latin words cost about one token per four letters, digit runs one per three digits, each Hangul
    or CJK character one, every other visible symbol (punctuation, emoji) one, astral symbols two;
    whitespace is folded into the following word.
    """
    latin = _LATIN_RUN.findall(text)
    digits = _DIGIT_RUN.findall(text)
    cjk = len(_CJK_CHAR.findall(text))
    astral = len(_ASTRAL.findall(text))
    letters = sum(map(len, latin)) + sum(map(len, digits))
    other = len(text) - len(_SPACE.findall(text)) - letters - cjk
    return sum((len(w) + 3) // 4 for w in latin) + sum((len(d) + 2) // 3 for d in digits) + cjk + other + astral


def _tiktoken_cache_path(url: str) -> str | None:
    """Where tiktoken would cache `url` (same rules as tiktoken.load.read_file_cached)."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        cache_dir = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        cache_dir = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if not cache_dir:
        return None
    return os.path.join(cache_dir, hashlib.sha1(url.encode()).hexdigest())


def is_openai_model(model: str) -> bool:
    """A model name tiktoken knows (gpt-4o, gpt-4.1, o3, gpt-5 ...)."""
    import tiktoken

    try:
        return tiktoken.encoding_name_for_model(model) in _ENCODING_FILES
    except KeyError:
        return False


@lru_cache(maxsize=8)
def _cached_encoding(name: str) -> Any | None:
    """The tiktoken encoding when its file is cached and intact; never triggers a download."""
    url, sha = _ENCODING_FILES[name]
    path = _tiktoken_cache_path(url)
    if not path or not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != sha:
                return None  # tiktoken would delete and re-download it
        import tiktoken

        return tiktoken.get_encoding(name)
    except Exception as exc:  # a broken cache means estimating, not failing
        log.info("tiktoken encoding %s unusable: %s", name, exc)
        return None


@lru_cache(maxsize=65536)
def _exact_count(encoding: Any, text: str) -> int:
    return len(encoding.encode(text, disallowed_special=()))


class TokenCounter:
    """Counts tokens for one model: exact with a cached tiktoken encoding, else estimated."""

    def __init__(self, model: str, *, openai_model: bool | None = None) -> None:
        self.model = model
        self._encoding = None
        if openai_model if openai_model is not None else is_openai_model(model):
            import tiktoken

            self._encoding = _cached_encoding(tiktoken.encoding_name_for_model(model))

    @property
    def exact(self) -> bool:
        return self._encoding is not None

    @property
    def method(self) -> str:
        """How tokens are counted, for diagnostics and eval output."""
        return f"tiktoken:{self._encoding.name}" if self._encoding is not None else "estimate"

    def count(self, text: str) -> int:
        if self._encoding is not None:
            return _exact_count(self._encoding, text)
        return estimate_tokens(text)

    def count_messages(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens of a chat request (content plus a small per-message overhead)."""
        return sum(self.count(m.get("content", "")) + 4 for m in messages) + 3


def token_counter_for(settings: Settings) -> TokenCounter:
    """The counter for the configured model; a custom base URL means a non-OpenAI model unless tiktoken knows it."""
    return TokenCounter(settings.llm_model)


# -- chat ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatResult:
    """One non-streamed completion."""

    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


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


def map_error(exc: BaseException, settings: Settings) -> LLMError:
    """An SDK/transport error as our error with a message that says what to do."""
    where = _endpoint(settings)
    timeout = settings.llm_timeout_s
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return LLMTimeoutError(
            f"The language model did not answer within {timeout:g} seconds.",
            hint="Try again; for a slow local model raise COLLAB_LLM_TIMEOUT.",
        )
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


def build_client(settings: Settings) -> openai.OpenAI:
    """An OpenAI SDK client from Settings (API key and/or base URL, timeout, bounded retries)."""
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
        max_retries=max(0, int(settings.llm_max_retries)),
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


class LLM:
    """Chat with the configured model. Thread-safe (the SDK client is); build once per process."""

    def __init__(self, *, settings: Settings, client: openai.OpenAI | None = None) -> None:
        self.settings = settings
        self._client = client
        self.model = settings.llm_model
        self.counter = token_counter_for(settings)

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
        try:
            resp = self.client.chat.completions.create(messages=list(messages), **kw)  # type: ignore[arg-type]
        except openai.BadRequestError as exc:
            # LM Studio and some vLLM builds reject json_object; ask again and parse the text.
            if json_mode and "response_format" in str(exc):
                kw.pop("response_format")
                try:
                    resp = self.client.chat.completions.create(messages=list(messages), **kw)  # type: ignore[arg-type]
                except Exception as exc2:
                    raise map_error(exc2, self.settings) from exc2
            else:
                raise map_error(exc, self.settings) from exc
        except LLMError:
            raise
        except Exception as exc:
            raise map_error(exc, self.settings) from exc
        if not resp.choices:
            raise LLMOutputError("The language model returned no answer.", hint="Try again.")
        text = resp.choices[0].message.content or ""
        usage = resp.usage
        return ChatResult(
            text=text,
            model=resp.model or self.model,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )

    def stream(
        self, *, messages: Sequence[ChatMessage], temperature: float = 0.2, max_tokens: int | None = None
    ) -> Iterator[str]:
        """Text deltas as they arrive; errors (also mid-stream) are raised as LLMError subclasses."""
        kw = self._kwargs(temperature, max_tokens)
        try:
            stream = self.client.chat.completions.create(messages=list(messages), stream=True, **kw)  # type: ignore[arg-type]
        except LLMError:
            raise
        except Exception as exc:
            raise map_error(exc, self.settings) from exc
        try:
            for chunk in stream:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta.content
                if delta:
                    yield delta
        except LLMError:
            raise
        except Exception as exc:
            raise map_error(exc, self.settings) from exc
        finally:
            stream.close()

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
