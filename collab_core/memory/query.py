"""Query understanding for hybrid search: who a question is about, which dates it means, whether it asks
for the current state of something.

Everything here is pure text processing over the query plus a few facts the caller passes in (the
project's people, the newest message's date); it never reads messages, so it costs microseconds.
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

# --- dates -------------------------------------------------------------------------------------

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Each pattern captures one calendar reference; the words around it decide after/before/on.
_EN_MONTH_DAY = re.compile(
    rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<year>\d{{4}}))?", re.I
)
_EN_DAY_MONTH = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\b\.?(?:,?\s*(?P<year>\d{{4}}))?", re.I
)
_EN_MONTH = re.compile(
    rf"\b(?:in|during|of|since|after|before|until)\s+(?P<mon>{_MONTH_RE})\b(?:\s+(?P<year>\d{{4}}))?", re.I
)
_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})\b")
_SLASH = re.compile(r"(?<![\d/])(?P<mon>\d{1,2})/(?P<day>\d{1,2})(?![\d/])")
_KO_MONTH_DAY = re.compile(r"(?:(?P<year>\d{4})\s*년\s*)?(?P<mon>\d{1,2})\s*월\s*(?P<day>\d{1,2})\s*일")
_KO_MONTH = re.compile(r"(?:(?P<year>\d{4})\s*년\s*)?(?P<mon>\d{1,2})\s*월(?!\s*\d)")

_AFTER_BEFORE = re.compile(r"\b(after|since|from|before|until|till|by|prior to)\s*$", re.I)
# A weekday in brackets may sit between the date and the word: "3월 16일(월) 이후".
_KO_AFTER = re.compile(r"^\s*(?:\([^)]*\))?\s*(?:이후|부터|후에|후로|지나서|다음|以后|以降)")
_KO_BEFORE = re.compile(r"^\s*(?:\([^)]*\))?\s*(이전|전에|전까지|까지|전)")

_RELATIVE = [
    (re.compile(r"\byesterday\b|어제"), "yesterday"),
    (re.compile(r"\btoday\b|오늘"), "today"),
    (re.compile(r"\blast week\b|\bprevious week\b|지난\s*주|저번\s*주"), "last_week"),
    (re.compile(r"\bthis week\b|이번\s*주"), "this_week"),
    (re.compile(r"\bpast week\b|\blast 7 days\b|최근\s*일주일"), "past_week"),
    (re.compile(r"\blast month\b|지난\s*달|저번\s*달"), "last_month"),
    (re.compile(r"\bthis month\b|이번\s*달"), "this_month"),
]


@dataclass(frozen=True)
class DateWindow:
    """A date range the query refers to (inclusive local dates; None = open).

    strict: the query states a bound ("after March 16", "3월 16일 이후"), so messages outside can be
    dropped; otherwise ("on March 5", "in June") the window only ranks messages inside it higher.
    """

    start: date | None
    end: date | None
    strict: bool

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


def _year_for(month: int, day: int, ref: date) -> int:
    # A date without a year means the most recent such date up to (about) the project's newest message.
    try:
        candidate = date(ref.year, month, day)
    except ValueError:
        return ref.year
    return ref.year - 1 if candidate > ref + timedelta(days=31) else ref.year


def _day(year: int | None, month: int, day: int, ref: date) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    try:
        return date(year or _year_for(month, day, ref), month, day)
    except ValueError:
        return None


def _month_span(year: int | None, month: int, ref: date) -> tuple[date, date] | None:
    if not 1 <= month <= 12:
        return None
    y = year or _year_for(month, 1, ref)
    return date(y, month, 1), date(y, month, calendar.monthrange(y, month)[1])


def parse_dates(query: str, ref: date | None) -> DateWindow | None:
    """The date window a query names, relative to `ref` (the newest message's local date)."""
    if ref is None:
        return None
    q = unicodedata.normalize("NFKC", query)
    spans: list[tuple[int, int, date, date]] = []

    def month_of(value: str) -> int:
        return int(value) if value.isdigit() else _MONTHS.get(value.lower().rstrip("."), 0)

    for rx in (_ISO, _KO_MONTH_DAY, _EN_MONTH_DAY, _EN_DAY_MONTH, _SLASH):
        for m in rx.finditer(q):
            if any(s <= m.start() < e for s, e, *_ in spans):
                continue
            year = int(m.group("year")) if m.groupdict().get("year") else None
            d = _day(year, month_of(m.group("mon")), int(m.group("day")), ref)
            if d:
                spans.append((m.start(), m.end(), d, d))
    for rx in (_KO_MONTH, _EN_MONTH):
        for m in rx.finditer(q):
            if any(s <= m.start("mon") < e for s, e, *_ in spans):
                continue
            year = int(m.group("year")) if m.group("year") else None
            span = _month_span(year, month_of(m.group("mon")), ref)
            if span:
                spans.append((m.start("mon"), m.end(), *span))
    if not spans:
        for rx, name in _RELATIVE:
            if rx.search(q.lower()):
                return _relative(name, ref)
        return None
    spans.sort()
    if len(spans) >= 2:  # "between March 3 and March 7", "3/3부터 3/7까지"
        return DateWindow(spans[0][2], spans[-1][3], strict=True)
    s, e, lo, hi = spans[0]
    word = _AFTER_BEFORE.search(q[:s])
    if word:
        w = word.group(1).lower()
        if w in ("after", "since", "from"):
            return DateWindow(lo, None, strict=True)
        return DateWindow(None, hi if w in ("by", "until", "till") else lo - timedelta(days=1), strict=True)
    after_text = q[e:]
    if _KO_AFTER.match(after_text):
        return DateWindow(lo, None, strict=True)
    ko_before = _KO_BEFORE.match(after_text)
    if ko_before:
        return DateWindow(None, hi if ko_before.group(1) == "까지" else lo - timedelta(days=1), strict=True)
    return DateWindow(lo, hi, strict=False)


def _relative(name: str, ref: date) -> DateWindow:
    monday = ref - timedelta(days=ref.weekday())
    if name == "yesterday":
        d = ref - timedelta(days=1)
        return DateWindow(d, d, strict=False)
    if name == "today":
        return DateWindow(ref, ref, strict=False)
    if name == "last_week":
        return DateWindow(monday - timedelta(days=7), monday - timedelta(days=1), strict=False)
    if name == "this_week":
        return DateWindow(monday, ref, strict=False)
    if name == "past_week":
        return DateWindow(ref - timedelta(days=6), ref, strict=False)
    first = ref.replace(day=1)
    if name == "last_month":
        prev_last = first - timedelta(days=1)
        return DateWindow(prev_last.replace(day=1), prev_last, strict=False)
    return DateWindow(first, ref, strict=False)


# --- people ------------------------------------------------------------------------------------

# Korean particles / honorifics that attach to a name ("Daniel이", "에밀리가", "민지님은").
_KO_SUFFIX = re.compile(
    r"(?:님|씨)?(?:이|가|은|는|을|를|의|에게|에게서|한테|한테서|께서|께서는|께|랑|이랑|하고|과|와|도|만|한|이가|이는|이의)?$"
)

# Revised Romanization tables, so a Hangul spelling in the query can match a Latin display name.
_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_MEDIAL = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
    "eu", "ui", "i",
]  # fmt: skip
_FINAL = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
    "ng", "t", "t", "k", "t", "p", "t",
]  # fmt: skip


def romanize(word: str) -> str:
    """Revised Romanization of the Hangul syllables in `word` (other characters dropped)."""
    out: list[str] = []
    prev_final = ""
    for ch in word:
        o = ord(ch) - 0xAC00
        if not 0 <= o < 11172:
            continue
        ini, med, fin = o // 588, (o % 588) // 28, o % 28
        initial = _INITIAL[ini]
        if initial == "r" and prev_final in ("l", "n"):
            initial = "l"  # 밀리 -> milli, not milri
        out.append(initial + _MEDIAL[med] + _FINAL[fin])
        prev_final = _FINAL[fin]
    return "".join(out)


def _phonetic(name: str) -> str:
    # Spellings of the same name across scripts differ in vowels and doubled letters (에밀리 "emilli"
    # vs Emily, 현우 "hyeonu" vs Hyunwoo): compare on a coarse key instead.
    s = re.sub(r"[^a-z]", "", name.lower())
    s = s.replace("eo", "u").replace("oo", "u").replace("wo", "o").replace("y", "i").replace("ee", "i")
    return re.sub(r"(.)\1+", r"\1", s)


def _hangul_names(token: str) -> list[str]:
    base = _KO_SUFFIX.sub("", token)
    return [w for w in dict.fromkeys((token, base)) if 2 <= len(w) <= 5]


def mentioned_people(query: str, names: dict[str, int]) -> set[int]:
    """Ids of people whose name (display name or username, any case) the query mentions.

    `names` maps a name to a user id. Latin names match as whole words, also with a Korean particle
    attached ("Daniel이"); Hangul words match Hangul names exactly, or Latin names by romanised sound
    ("에밀리가" -> Emily).
    """
    q = unicodedata.normalize("NFKC", query).lower()
    found: set[int] = set()
    latin = {n.lower(): uid for n, uid in names.items() if n and re.fullmatch(r"[\w .'-]+", n) and not _has_hangul(n)}
    for name, uid in latin.items():
        if len(name) >= 2 and re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", q):
            found.add(uid)
    hangul_words = [w for w in re.findall(r"[가-힣]+", q)]
    if not hangul_words:
        return found
    hangul_names = {n.lower(): uid for n, uid in names.items() if n and _has_hangul(n)}
    found.update(uid for n, uid in hangul_names.items() if " " in n and n in q)  # "김 민지"
    keys = {_phonetic(n): uid for n, uid in latin.items() if len(_phonetic(n)) >= 3}
    for word in hangul_words:
        for cand in _hangul_names(word):
            if cand in hangul_names:
                found.add(hangul_names[cand])
                continue
            key = _phonetic(romanize(cand))
            if len(key) < 3:
                continue
            for lat_key, uid in keys.items():
                if lat_key == key or difflib.SequenceMatcher(None, lat_key, key).ratio() >= 0.8:
                    found.add(uid)
    return found


def _has_hangul(s: str) -> bool:
    return any("가" <= ch <= "힣" for ch in s)


# --- current state -----------------------------------------------------------------------------

_CURRENT = re.compile(
    r"\b(?:now|currently|current|latest|final|finally|still|anymore|updated|changed?|moved?|new)\b"
    r"|지금|현재|최종|최근|결국|바뀌|변경|아직|새로",
    re.I,
)


def asks_current_state(query: str) -> bool:
    """Whether the question asks how things stand now (so later messages on the topic matter more)."""
    return bool(_CURRENT.search(query))


_SAID = re.compile(
    r"\b(?:say|says|said|tell|told|mention\w*|talk\w* about|think|thinks|thought|opinion|suggest|suggested|"
    r"propose|proposed|according to|claim|claimed)\b|뭐라|말했|말한|얘기|이야기|의견|생각|제안|언급",
    re.I,
)


def asks_what_was_said(query: str) -> bool:
    """Whether the question asks for someone's own words ("What did Daniel say", "민지가 뭐라고 했어")."""
    return bool(_SAID.search(query))
