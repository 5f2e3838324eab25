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


_DIGIT_FINAL = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}


def object_particle(word: str) -> str:
    """을 or 를 after a word, by the final consonant of its last sound.

    Hangul syllables are exact; digits follow their Korean reading (1 일 -> 을); other letters use
    their English ending: l, m, n and ng leave a final consonant ("Team" -> 팀을), the rest do not.
    """
    text = (word or "").rstrip(" )]\"'”’.")
    if not text:
        return "를"
    last = text[-1]
    if "가" <= last <= "힣":
        return "을" if (ord(last) - 0xAC00) % 28 else "를"
    if last in _DIGIT_FINAL:
        return "을" if _DIGIT_FINAL[last] else "를"
    lower = text.lower()
    return "을" if lower[-1] in "lmn" or lower.endswith("ng") else "를"


def pick_language(setting: str, browser_locale: str | None) -> str:
    """ko/en from the setting, or the browser's locale when the setting is auto."""
    if setting in LANGS:
        return setting
    return "ko" if (browser_locale or "").lower().startswith("ko") else "en"
