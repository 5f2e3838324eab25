"""Understanding a question to the assistant: the @ai prefix, what it asks for (summary, open work, owner, deadline), dates and people named, and which messages a later one supersedes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from collab_core.assistant.values import ContextMessage, Supersession
from collab_core.memory.query import mentioned_people, parse_dates
from collab_core.memory.text import STOPWORDS, tokenize
from collab_core.models import Member

# Prefix that sends a chat message to the assistant (the chat page also has a toggle).
ASK_PREFIXES = ("@ai", "@assistant", "@AI", "@어시스턴트")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def strip_ask_prefix(text: str) -> tuple[bool, str]:
    """(True, rest) when a chat message starts with @ai (or @assistant)."""
    s = text.lstrip()
    for p in ASK_PREFIXES:
        if s.lower().startswith(p.lower()) and (len(s) == len(p) or not s[len(p)].isalnum()):
            return True, s[len(p) :].lstrip(" ,:\n\t")
    return False, text


_SUMMARY = re.compile(r"\b(summar\w*|recap|overview|wrap.?up)\b|요약|정리|개요", re.I)
_OPEN_Q = re.compile(
    r"\b(open|unfinished|not (yet )?done|pending|outstanding|remaining|left to do|in progress|todo|to-do|still)\b"
    r"|안\s*끝|남은|남아|미완|진행\s*중|아직|할\s*일|해야\s*할",
    re.I,
)


_OWNER_Q = re.compile(r"\b(who('s| is| are)?|owner|owns|assigned|responsible|in charge)\b|누가|누구|담당|맡", re.I)
_DEADLINE_Q = re.compile(r"\b(when|deadline|due|by when)\b|언제|마감|기한|데드라인|까지", re.I)


@dataclass(frozen=True)
class QueryInfo:
    """What the question asks for, beyond its words."""

    text: str
    language: str
    author_ids: tuple[int, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    wants_latest: bool = False
    summary: bool = False


def _date_bounds(text: str, *, ref: date) -> tuple[datetime | None, datetime | None]:
    """The date range a text names (query.parse_dates) as naive UTC bounds [start, end)."""
    window = parse_dates(text, ref)
    if window is None:
        return None, None
    start = datetime.combine(window.start, datetime.min.time()) if window.start else None
    end = datetime.combine(window.end, datetime.min.time()) + timedelta(days=1) if window.end else None
    return start, end


def _named_members(text: str, members: Sequence[Member]) -> tuple[int, ...]:
    """Members a text names (query.mentioned_people), by display name, username or a Hangul spelling."""
    names: dict[str, int] = {}
    for m in members:
        for name in (m.display_name, m.username):
            if name:
                names.setdefault(name, m.user_id)
    found = mentioned_people(text, names)
    return tuple(dict.fromkeys(m.user_id for m in members if m.user_id in found))


_CHANGE = re.compile(
    r"\b(take over|taking over|took over|takes over|hand(?:ed|ing)? (?:it |this )?over|instead|no longer|"
    r"postpon\w*|push(?:ed)? (?:back|to)|delay\w*|reschedul\w*|moved? (?:to|from)|chang\w*|switch\w*|"
    r"now (?:on|at|due|owns|owned|is|goes)|new (?:date|deadline|owner)|updated?|correction|actually)\b"
    r"|→|->|바뀌|바꿔|바꾸|변경|연기|미뤄|미루|당겨|대신|넘겨|넘길|가져갈|인계|이제부터|이제는|옮기|옮겨|취소|수정",
    re.I,
)


_TOPIC_STOP = frozenset(
    {"we", "i", "you", "it", "is", "are", "be", "will", "can", "now", "new", "chang", "updat", "move", "date", "take",
     "over", "instead", "actual", "just", "thank", "let", "get", "got", "one", "also", "still", "like", "yes", "okay"}
)  # fmt: skip


# Korean endings and particles stripped from a word before it counts as a topic (했어요 -> 했, 온보딩을 -> 온보딩).
_KO_ENDINGS = tuple(
    sorted(
        "습니다 었어요 았어요 했어요 할게요 할께요 하기로 했습니 해주세요 입니다 어요 아요 에요 예요 해요 게요 세요 까요 네요 군요 는데 지만 에서 으로 하고 까지 부터 처럼 보다 기로 로는 에는 에게 한테 이랑 이고 이라 라고 다고 려고 면서 를 을 이 가 은 는 의 도 만 에 와 과 랑 로 요 죠 다 고 서 면 야 어 지 네 님 씨".split(),  # noqa: SIM905
        key=len,
        reverse=True,
    )
)


def _topic_terms(text: str) -> set[str]:
    """Content terms of a message: stemmed Latin words and bigrams of Korean word stems."""
    out: set[str] = set()
    for word in re.findall(r"[\uac00-\ud7a3]+|[A-Za-z][A-Za-z0-9]+", text):
        if _HANGUL.match(word):
            for _ in range(2):
                for e in _KO_ENDINGS:
                    if word.endswith(e) and len(word) - len(e) >= 2:
                        word = word[: -len(e)]
                        break
            if len(word) < 2:
                continue
        out.update(t for t in tokenize(word) if t not in _TOPIC_STOP and t not in STOPWORDS and len(t) >= 2)
    return {t for t in out if _HANGUL.search(t) or len(t) >= 3}


def find_supersessions(msgs: Sequence[ContextMessage], *, question: str = "", limit: int = 5) -> list[Supersession]:
    """Pairs where a later message with a change cue shares its subject with an earlier one.

    The shared subject must touch the question (or be strong: three shared terms), so the notes are
    about what was asked.
    """
    ordered = sorted(msgs, key=lambda m: (m.created_at, m.id))
    terms = {m.id: _topic_terms(m.content) for m in ordered}
    qterms = _topic_terms(question)
    out: list[Supersession] = []
    for i, newer in enumerate(ordered):
        if not _CHANGE.search(newer.content):
            continue
        best: tuple[int, ContextMessage, set[str]] | None = None
        for older in ordered[:i]:
            if older.author == newer.author and not _CHANGE.search(newer.content[:80]):
                continue
            shared = terms[newer.id] & terms[older.id]
            strong = len(shared) >= 2 and (bool(shared & qterms) or (not qterms and len(shared) >= 3))
            if strong and (best is None or len(shared) >= best[0]):
                best = (len(shared), older, shared)
        if best is not None:
            subject = sorted(best[2], key=lambda t: (t not in qterms, -len(t)))[:4]
            out.append(Supersession(newer_id=newer.id, older_id=best[1].id, subject=", ".join(subject)))
    out.sort(key=lambda n: -len(set(n.subject.split(", ")) & qterms))
    return sorted(out[:limit], key=lambda n: n.newer_id)
