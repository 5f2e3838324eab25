"""Text lookup in Korean and English: t(key, lang, **params) (unknown keys fall back to English) and
error_text(message, lang) for the core's English error messages (their Korean versions: error_text.py).

The app registers its page text catalogs (ui.text) with register({...}); the lookup stays in one place.
"""

from __future__ import annotations

import re

from collab_core.error_text import KOREAN_ERRORS

LANGS = ("en", "ko")

# Text registered by the app (ui.text) and by core modules that draw text (dashboards).
_CATALOG: dict[str, dict[str, str]] = {}

# English error messages from collab_core (regex) -> Korean template with the same groups.
_ERRORS_KO: list[tuple[re.Pattern[str], str]] = [(re.compile(p), ko) for p, ko in KOREAN_ERRORS]


def register(entries: dict[str, dict[str, str]]) -> None:
    """Add strings for a page or feature."""
    _CATALOG.update(entries)


def t(key: str, lang: str = "en", **params: object) -> str:
    """The text for key in lang, formatted with params."""
    entry = _CATALOG.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**params) if params else text


def error_text(message: str, lang: str = "en") -> str:
    """A collab_core error message in the UI language (English is the source language)."""
    if lang != "ko":
        return message
    for pattern, korean in _ERRORS_KO:
        m = pattern.search(message)
        if m:
            return korean.format(**m.groupdict())
    return message


def pick_language(setting: str, browser_locale: str | None) -> str:
    """ko/en from the setting, or the browser's locale when the setting is auto."""
    if setting in LANGS:
        return setting
    return "ko" if (browser_locale or "").lower().startswith("ko") else "en"
