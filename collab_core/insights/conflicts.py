"""Decision conflicts: two standing decisions that take opposite sides on the same subject.

A decision's *stance* is a (subject, side) pair read next to an opposition word: "VAT 포함" / "VAT-inclusive"
→ (vat, +), "VAT 제외" / "excl. VAT" → (vat, −); likewise allowed/forbidden, enabled/disabled, required/
optional. Two decisions conflict when they hold opposite stances on the same subject and the later one does
not announce a change ("바꿀게요", "변경", "instead", "switch to" make it a supersession, which is not a
conflict). With the decision ledger given (`Decision` values, `superseded_by` set by the other detector)
those are used; without it, decisions are recognised in chat by their markers (결정, 확정, ~하기로 했어요,
~로 갑시다, decided, agreed, let's go with) and meeting-minute items are read one by one. Chat messages that
repeat either stance after the first decision are added as evidence (they show both sides are in use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .model import Decision, Msg

# Each concept: the words for one side and the words for the other, in both languages.
_OPPOSITES = (
    (
        ("포함", "inclusive", "incl", "including", "include", "included"),
        ("제외", "exclusive", "excl", "excluding", "exclude", "excluded"),
    ),
    (("허용", "allowed", "allow"), ("금지", "forbidden", "disallowed", "불허")),
    (("활성화", "enabled", "enable"), ("비활성화", "disabled", "disable")),
    (("필수", "required", "mandatory"), ("선택", "optional")),
    (("동기", "sync", "synchronous"), ("비동기", "async", "asynchronous")),
)
_SIDE = {w: (i, side) for i, sides in enumerate(_OPPOSITES) for side, words in enumerate(sides) for w in words}
_POLAR = "|".join(sorted(_SIDE, key=len, reverse=True))
_BEFORE = re.compile(rf"([A-Za-z][\w]*|[가-힣]+)[\s\-]*({_POLAR})(?![A-Za-z])", re.IGNORECASE)
_AFTER = re.compile(rf"(?<![A-Za-z])({_POLAR})\.?(?:\s+of)?[\s\-]+([A-Za-z][\w]*)", re.IGNORECASE)
_MARKER = re.compile(
    r"결정|확정|하기로\s*(했|함|합시다|해요)|기로\s*했|(으로|로)\s*(갑시다|가죠|갑니다|하죠|합시다|통일)|"
    r"\bdecided\b|\bagreed\b|let'?s\s+go\s+with|we('ll|\s+will)\s+go\s+with|\bdecision\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"변경|바꾸|바꿀|바꿔|바꿨|대신|말고|미루|미룰|취소|번복|instead|chang(e|ed|ing)\s+(it\s+)?to|switch(ed)?\s+to|"
    r"no\s+longer|supersed|revert",
    re.IGNORECASE,
)
_ITEM = re.compile(r"\n+|(?:^|\s)(?:\d+[).]|[-•·])\s+")


@dataclass(frozen=True)
class Stance:
    """One side taken on one subject, in one message."""

    subject: str
    pair: int
    side: int
    message_id: str
    ts: datetime


def stances(text: str, message_id: str, ts: datetime) -> list[Stance]:
    """Every (subject, side) the text takes."""
    out = []
    for m in _BEFORE.finditer(text):
        pair, side = _SIDE[m.group(2).lower()]
        out.append(Stance(m.group(1).lower(), pair, side, message_id, ts))
    for m in _AFTER.finditer(text):
        pair, side = _SIDE[m.group(1).lower()]
        out.append(Stance(m.group(2).lower(), pair, side, message_id, ts))
    return [s for s in out if len(s.subject) >= 2 and s.subject not in _SIDE]


def decision_items(msg: Msg) -> list[str]:
    """The decision statements of a message: each item of meeting minutes, or the message when it decides."""
    if not _MARKER.search(msg.content) or msg.content.strip().endswith("?"):
        return []
    items = [i.strip() for i in _ITEM.split(msg.content) if i and i.strip()]
    return items if len(items) > 1 else [msg.content]


@dataclass(frozen=True)
class Conflict:
    """Two decisions with opposite stances on `subject`; evidence lists both and the chat that repeats them."""

    subject: str
    first: str
    second: str
    evidence: tuple[str, ...]


class StanceLog:
    """Stances in chat and in decisions, folded one message at a time.

    Per subject, the standing decisions are the first one on each side since the last decision that
    announced a change; a change resets them, so a conflict disappears once someone explicitly settles it.
    """

    def __init__(self) -> None:
        self.chat: dict[str, list[Stance]] = {}  # subject -> stances in any message
        self.standing: dict[tuple[str, int], dict[int, Stance]] = {}
        self.open: dict[tuple[str, int], Conflict] = {}

    def add(self, msg: Msg) -> None:
        if msg.role != "user":
            return
        found = stances(msg.content, msg.id, msg.ts)
        for s in found:
            self.chat.setdefault(s.subject, []).append(s)
        if found:
            change = bool(_CHANGE.search(msg.content))
            for item in decision_items(msg):
                for s in stances(item, msg.id, msg.ts):
                    self.decide(s, change=change)

    def decide(self, s: Stance, *, change: bool) -> None:
        """Fold in one decided stance (in time order)."""
        key = (s.subject, s.pair)
        sides = self.standing.setdefault(key, {})
        if change:
            sides.clear()
            self.open.pop(key, None)
        sides.setdefault(s.side, s)
        if len(sides) == 2 and key not in self.open:
            first, second = sorted(sides.values(), key=lambda x: x.ts)
            self.open[key] = Conflict(s.subject, first.message_id, second.message_id, ())

    def _with_support(self, c: Conflict, pair: int) -> Conflict:
        first_ts = (
            min(s.ts for s in self.chat.get(c.subject, []) if s.message_id == c.first)
            if c.subject in self.chat
            else None
        )
        support = [
            s.message_id
            for s in self.chat.get(c.subject, [])
            if s.pair == pair and (first_ts is None or s.ts >= first_ts)
        ]
        return Conflict(c.subject, c.first, c.second, tuple(dict.fromkeys([c.first, c.second, *support[-10:]])))

    def conflicts(self, decisions: list[Decision] | None = None) -> list[Conflict]:
        """Standing conflicts, from the given decision ledger or, when None, from decisions found in chat."""
        if decisions is None:
            return [self._with_support(c, key[1]) for key, c in self.open.items()]
        ledger = StanceLog()
        for d in sorted(decisions, key=lambda d: d.decided_at):
            if d.superseded_by is not None:
                continue
            change = bool(_CHANGE.search(d.text))
            for s in stances(d.text, d.message_id, d.decided_at):
                ledger.decide(s, change=change)
        return [self._with_support(c, key[1]) for key, c in ledger.open.items()]
