"""The input-validation layer every public service runs its arguments through.

Bad input becomes a ValidationError naming the field and the rule, never a crash deeper down
(an encoder error, an SQL overflow, a regex blow-up) and never a silently altered record.

The text rule (applied once, here, to every text a person or a file gives us):

1. It must be a ``str``.
2. Unicode NFC: the same word typed on two keyboards is the same text (Korean IMEs send both forms).
3. Lone surrogates (U+D800-U+DFFF, left by a broken encoder) become U+FFFD, so the text can be
   stored and searched and the reader sees where something was lost.
4. CR and CRLF become LF; other C0/C1 control characters are removed (tab and LF stay in
   multi-line text and become spaces in names).
5. Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the
   invisible zero-width space, word joiner, invisible operators, BOM and Mongolian vowel separator
   are removed: they can only hide or reorder what a reader sees.
6. Names (people, projects) also lose the joiners and marks that are invisible on their own
   (ZWNJ/ZWJ, LRM/RLM/ALM, soft hyphen, the Hangul fillers) and collapse runs of spaces, so two
   names differ only if a reader can see the difference. Message bodies keep ZWJ/ZWNJ (emoji
   sequences, scripts that need them).

Numbers are ints (never bool, float or str) within stated bounds; ids fit a 63-bit column; dates
and times lie between 1900 and 2200; queries and questions are capped at MAX_QUERY_CHARS.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from collab_core.errors import ValidationError

MAX_QUERY_CHARS = 2000
MAX_ID = 2**63 - 1
MAX_OFFSET = 10_000_000
MAX_META_BYTES = 16_384
MIN_YEAR, MAX_YEAR = 1900, 2200

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Rule 5: removed from every text.
_HIDDEN = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\u180e]")
# Rule 6: also removed from names.
_NAME_HIDDEN = re.compile(r"[\u200c\u200d\u200e\u200f\u061c\u00ad\u3164\u115f\u1160\uffa0\u034f]")
_SPACES = re.compile(r"\s+")


def normalize_text(value: str, *, multiline: bool = True) -> str:
    """Rules 2-5 (and 6 for single-line names) on a string already known to be a str."""
    text = _SURROGATE.sub("\ufffd", value)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    text = _CONTROL.sub("", text)
    text = _HIDDEN.sub("", text)
    if not multiline:
        text = _SPACES.sub(" ", _NAME_HIDDEN.sub("", text)).strip()
    return text


def text(
    value: object,
    *,
    field: str,
    max_chars: int,
    allow_empty: bool = False,
    multiline: bool = True,
    hint: str | None = None,
) -> str:
    """A normalised text of at most max_chars characters (empty only when allowed)."""
    if not isinstance(value, str):
        raise ValidationError(f"The {field} must be text.")
    # Cheap guard before the work: a huge value is refused without normalising all of it.
    if len(value) > max_chars * 4 + 64:
        raise ValidationError(
            f"The {field} can be at most {max_chars:,} characters; this one has {len(value):,}.", hint=hint
        )
    out = normalize_text(value, multiline=multiline)
    if not allow_empty and not out.strip():
        raise ValidationError(f"The {field} cannot be empty.", hint=hint)
    if len(out) > max_chars:
        raise ValidationError(
            f"The {field} can be at most {max_chars:,} characters; this one has {len(out):,}.", hint=hint
        )
    return out


def name(value: object, *, field: str, max_chars: int = 64) -> str:
    """A single-line name (rule 6): trimmed, spaces collapsed, nothing invisible."""
    return text(value, field=field, max_chars=max_chars, multiline=False)


def look_alike_key(value: str) -> str:
    """What two names are compared by: compatibility-folded, case-folded, without any spaces or
    invisible characters ("AI  Assistant", "ai\u200bassistant" and "ＡＩ Assistant" are one key)."""
    folded = unicodedata.normalize("NFKC", normalize_text(value, multiline=False)).casefold()
    return _SPACES.sub("", folded)


def query(value: object, *, field: str = "search query", allow_empty: bool = True) -> str:
    """A search query or question: text capped at MAX_QUERY_CHARS."""
    return text(
        value,
        field=field,
        max_chars=MAX_QUERY_CHARS,
        allow_empty=allow_empty,
        hint="Shorten it to the words that matter; a long question does not find more.",
    )


def integer(value: object, *, field: str, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """An int (bool, float and str are refused) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"The {field} must be a whole number.")
    if value < minimum or value > maximum:
        raise ValidationError(f"The {field} must be between {minimum:,} and {maximum:,}.")
    return int(value)


def ident(value: object, *, field: str) -> int:
    """A record id: a positive int that fits the database's 63-bit column."""
    return integer(value, field=field, minimum=1, maximum=MAX_ID)


def optional_ident(value: object, *, field: str) -> int | None:
    """An id or None (the trusted operator, "nobody")."""
    return None if value is None else ident(value, field=field)


def idents(values: object, *, field: str, max_items: int = 500) -> tuple[int, ...]:
    """A sequence of ids (a list or tuple of ints), at most max_items of them."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(f"The {field} must be a list of ids.")
    out = tuple(values)
    if len(out) > max_items:
        raise ValidationError(f"At most {max_items} {field} can be given.")
    return tuple(ident(v, field=field) for v in out)


def choice(value: object, *, field: str, options: Iterable[str]) -> str:
    """One of a fixed set of words."""
    allowed = tuple(options)
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(f"Unknown {field} {_short(value)}.", hint=f"Use one of: {', '.join(allowed)}.")
    return value


def choices(values: object, *, field: str, options: Iterable[str]) -> tuple[str, ...]:
    """Several of a fixed set of words."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(f"The {field} must be a list.")
    allowed = tuple(options)
    return tuple(choice(v, field=field, options=allowed) for v in values)


def moment(value: object, *, field: str, allow_none: bool = True) -> date | datetime | None:
    """A date or datetime between MIN_YEAR and MAX_YEAR (None when allowed)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (date, datetime)):
        raise ValidationError(f"The {field} must be a date or a time.")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(f"The {field} must lie between {MIN_YEAR} and {MAX_YEAR}.")
    return value


def flag(value: object, *, field: str) -> bool:
    """A real bool (not 0/1, not "yes")."""
    if not isinstance(value, bool):
        raise ValidationError(f"The {field} must be true or false.")
    return value


def meta(value: object, *, allowed: Mapping[str, tuple[type, ...]], field: str = "message metadata") -> dict | None:
    """Message metadata: None or a JSON object whose keys are in the allow-list (with the listed
    value types) and whose JSON form is at most MAX_META_BYTES."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(f"The {field} must be an object.")
    for key, item in value.items():
        if key not in allowed:
            raise ValidationError(f"The {field} may not hold {_short(key)}.", hint=f"Allowed: {', '.join(allowed)}.")
        if isinstance(item, bool) and bool not in allowed[key]:
            raise ValidationError(f"The {field} field {key!r} has the wrong type.")
        if not isinstance(item, allowed[key]):
            raise ValidationError(f"The {field} field {key!r} has the wrong type.")
    try:
        raw = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"The {field} must be plain JSON (text, numbers, lists, objects).") from exc
    if _SURROGATE.search(raw) or len(raw.encode("utf-8", "surrogatepass")) > MAX_META_BYTES:
        raise ValidationError(f"The {field} is too large or not valid text (at most {MAX_META_BYTES:,} bytes).")
    return value


def _short(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
