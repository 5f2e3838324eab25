"""Citations in generated text: [#id] markers checked against the context, invalid ones dropped and reported, also while streaming."""

from __future__ import annotations

import re
from collections.abc import Iterable

_CITE_GROUP = re.compile(r"\[\s*#?\s*(\w[\w:-]*)(?:\s*[,;]\s*#?\s*\w[\w:-]*)*\s*\]")
_CITE_ID = re.compile(r"#?\s*(\w[\w:-]*)")
_CITE_LOOKS = re.compile(r"^\[\s*#")


def clean_citations(text: str, valid: Iterable[int], *, strip: bool = True) -> tuple[str, list[int], list[str]]:
    """Keep [#id] markers whose id is in `valid`; drop the rest. Returns (text, cited ids, invalid ids)."""
    valid_set = set(valid)
    cited: list[int] = []
    invalid: list[str] = []

    def fix(m: re.Match[str]) -> str:
        raw = m.group(0)
        if not _CITE_LOOKS.match(raw):
            return raw  # an ordinary bracket like [draft] or [1]
        keep: list[int] = []
        for tok in _CITE_ID.findall(raw[1:-1]):
            if tok.isdigit() and int(tok) in valid_set:
                keep.append(int(tok))
                if int(tok) not in cited:
                    cited.append(int(tok))
            elif tok not in invalid:
                invalid.append(tok)
        return "".join(f"[#{i}]" for i in keep)

    out = _CITE_GROUP.sub(fix, text)
    out = re.sub(r"[ \t]+([.,;:!?])", r"\1", out)
    out = re.sub(r"[ \t]{2,}", " ", out)
    return (out.strip() if strip else out), cited, invalid


class _CitationStream:
    """Filters streamed text so invalid citations never reach the screen.

    The text received so far is cleaned as a whole and only the new part of the cleaned text is
    emitted; an unclosed "[" and trailing spaces are held back until the next piece decides them.
    """

    def __init__(self, valid: Iterable[int]) -> None:
        self.valid = set(valid)
        self.raw = ""
        self.emitted = ""

    def _cleaned(self, final: bool) -> str:
        text = self.raw
        if not final:
            k = text.rfind("[")
            if k >= 0 and "]" not in text[k:] and len(text) - k <= 60:
                text = text[:k]
        cleaned = clean_citations(text, self.valid, strip=False)[0].lstrip()
        return cleaned if final else cleaned.rstrip(" \t")

    def _emit(self, final: bool) -> str:
        cleaned = self._cleaned(final)
        if not cleaned.startswith(self.emitted):  # never rewrite what is on screen
            return ""
        new, self.emitted = cleaned[len(self.emitted) :], cleaned
        return new

    def feed(self, delta: str) -> str:
        self.raw += delta
        return self._emit(False)

    def flush(self) -> str:
        return self._emit(True).rstrip()
