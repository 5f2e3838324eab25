"""Token counting for a model, never downloading anything.

Token counting uses tiktoken only when the model is an OpenAI model *and* its encoding file is
already in tiktoken's local cache: tiktoken would otherwise download it at run time, which an
offline install cannot do. Without the file we fall back to a conservative offline estimate
(`TokenCounter.exact` is False then) so budgets never depend on the network.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from collab_core.settings import Settings

log = logging.getLogger(__name__)

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
