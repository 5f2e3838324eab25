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

_OPPOSITES = (
    ("포함", "제외"),
    ("inclusive", "exclusive"),
    ("incl", "excl"),
    ("including", "excluding"),
    ("include", "exclude"),
    ("included", "excluded"),
    ("허용", "금지"),
    ("allowed", "forbidden"),
    ("enabled", "disabled"),
    ("켜", "끄"),
    ("필수", "선택"),
    ("required", "optional"),
    ("동기", "비동기"),
    ("sync", "async"),
)
_SIDE = {w: (i, side) for i, pair in enumerate(_OPPOSITES) for side, w in enumerate(pair)}
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
    """Stances in chat and in decisions, folded one message at a time."""

    def __init__(self) -> None:
        self.chat: dict[str, list[Stance]] = {}  # subject -> stances in any message
        self.decided: list[tuple[Stance, bool]] = []  # (stance, announces a change)

    def add(self, msg: Msg) -> None:
        if msg.role != "user":
            return
        found = stances(msg.content, msg.id, msg.ts)
        for s in found:
            self.chat.setdefault(s.subject, []).append(s)
        if not found:
            return
        change = bool(_CHANGE.search(msg.content))
        for item in decision_items(msg):
            for s in stances(item, msg.id, msg.ts):
                self.decided.append((s, change))

    def conflicts(self, decisions: list[Decision] | None = None) -> list[Conflict]:
        """Standing conflicts, from the given decision ledger or, when None, from decisions found in chat."""
        if decisions is not None:
            standing = {d.message_id for d in decisions if d.superseded_by is None}
            superseded = {d.message_id: d.superseded_by for d in decisions}
            decided = []
            for d in decisions:
                change = bool(_CHANGE.search(d.text))
                decided.extend((s, change) for s in stances(d.text, d.message_id, d.decided_at))
        else:
            decided, standing, superseded = self.decided, None, {}
        out: dict[tuple[str, str], Conflict] = {}
        ordered = sorted(decided, key=lambda sc: sc[0].ts)
        for i, (a, _) in enumerate(ordered):
            for b, change in ordered[i + 1 :]:
                if b.message_id == a.message_id or (b.subject, b.pair) != (a.subject, a.pair) or b.side == a.side:
                    continue
                if change or superseded.get(a.message_id) == b.message_id:
                    continue
                if standing is not None and not {a.message_id, b.message_id} <= standing:
                    continue
                support = [s.message_id for s in self.chat.get(a.subject, []) if s.pair == a.pair and s.ts >= a.ts]
                evidence = tuple(dict.fromkeys([a.message_id, b.message_id, *support]))
                out.setdefault((a.message_id, b.message_id), Conflict(a.subject, a.message_id, b.message_id, evidence))
        return list(out.values())
