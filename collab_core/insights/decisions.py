"""Decision ledger: decisions stated in chat or recorded in meeting notes, and which later decision supersedes which.

A decision sentence carries a settling marker: Korean '확정', '결정', '-기로 했다/하죠', '-는 걸로 하죠/해요/바꿀게요',
'X(으)로 갑시다/갈게요/진행합니다/변경합니다/미룰게요'; English 'let's go with', 'we'll go with', 'decided', 'agreed:',
'settled on'. Not decisions: questions, proposals ('~하는 건 어때요?', 'how about', 'should we'), deferrals ('다시 판단',
'TBD'), restatements ('3/5 결정 그대로', 'as agreed') and acknowledgements that repeat a decision made minutes
earlier ('넵 X로 갑니다'). A note headed '결정사항'/'decisions' yields one decision per item; a recap headed
'정리'/'recap' yields its first settled item.

Supersession: a later decision whose key terms (IDF-weighted, so words the whole project uses weigh little)
overlap enough with an earlier one's supersedes it; the integration may pass `similar` (e.g. the local
multilingual embedder) and a pair then also counts when `similar(a, b) >= 0.85`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from .model import Decision, Msg
from .text import TermWeights, sentences, strip_quotes, terms

_KO_MARK = re.compile(
    r"확정(?:합니다|했|됐|입니다|이에요|이요|할게요|하죠|해요|하겠|으로|\s*[!.)]|\s*$)"
    r"|(?<!\d/\d\s)결정(?:했|합니다|입니다|이에요|됐|하죠|할게요|사항)"
    r"|(?:기로|걸로|것으로|거로)\s*(?:했|하죠|해요|합시다|하자|하겠|정했|결정|확정|가요|갑시다|갈게요|바꿀게요|바꿉니다|합니다|할게요)"
    r"|(?:으로|로)\s*(?:갑시다|가죠|가시죠|하시죠|갈게요|갑니다|합시다|하죠|하자|진행합니다|진행할게요|진행해요|변경합니다|변경할게요"
    r"|변경해요|바꿀게요|바꿉니다|미룰게요|미룹니다|미뤄요|정했|정할게요)"
)
_EN_MARK = re.compile(
    r"\blet'?s\s+(?:go\s+with|use|stick\s+with|ship|do)\b|\bwe(?:'ll|\s+will|'re\s+going\s+to)\s+(?:go\s+with|use|stick\s+with)\b"
    r"|\bgoing\s+with\b|\bdecided\b|\bdecision\s*:|\bagreed\s*(?::|that|to|on)|\bsettled\s+on\b|\bfinal\s+call\b"
    r"|\bchange\s+of\s+plans?\b|\bfrom\s+now\s+on\b|\bgoing\s+forward\b",
    re.I | re.A,
)
_NOT_DECISION = re.compile(
    r"\?|어때|어떨까|어떠세요|할까|볼까|how\s+about|what\s+if|should\s+we|could\s+we|shall\s+we|좋겠|제안|의견"
    r"|다시\s*(?:판단|논의|정해|얘기)|추후|나중에\s*(?:결정|정)|미정|\btbd\b|논의\s*못|보류(?:하고|해요)"
    r"|결정\s*그대로|결정(?:된)?\s*대로|회의\s*대로|as\s+(?:decided|agreed)|확정이\s*안|않|안\s*될",
    re.I | re.A,
)
_ACK = re.compile(r"^\s*(?:넵|네|예|ㅇㅋ|오케이|ok|okay|yes|yep|agreed|sure|\+1|👍)", re.I | re.A)
_NOTE_HEADER = re.compile(r"결정\s*사항|decisions?\b|합의\s*사항", re.I | re.A)
_RECAP_HEADER = re.compile(r"정리|recap|summary|요약", re.I | re.A)
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•·]|\(\d+\))\s*(.+)$")


def is_decision_sentence(sent: str) -> bool:
    """True when one sentence states a settled choice (and is not a question, proposal or restatement)."""
    if _NOT_DECISION.search(sent):
        return False
    return bool(_KO_MARK.search(sent) or _EN_MARK.search(sent))


def _note_items(text: str, is_promise: Callable[[str], bool] | None = None) -> list[str] | None:
    """Items of a meeting note or recap, or None when the message is not one; a recap's promises are not decisions."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return None
    items = [m[1].strip() for ln in lines[1:] if (m := _ITEM.match(ln))]
    if not items:
        return None
    if _NOTE_HEADER.search(lines[0]):
        return [it for it in items if not _NOT_DECISION.search(it)]
    if _RECAP_HEADER.search(lines[0]):
        settled = [it for it in items if not _NOT_DECISION.search(it) and not (is_promise and is_promise(it))]
        return settled[:1]
    return None


def decision_texts(text: str, *, is_promise: Callable[[str], bool] | None = None) -> list[str]:
    """The decision statements in one message: note items, or the sentences with a decision marker."""
    text = strip_quotes(text)
    items = _note_items(text, is_promise)
    if items is not None:
        return items
    return [s for s in sentences(text) if is_decision_sentence(s)]


# Words that announce a change of an earlier choice: such a decision supersedes the closest earlier one on its
# subject even when they share little wording ('배치 시간 05:00으로 변경합니다' after '새벽 3시에 돌리는 걸로').
_CHANGE = re.compile(
    r"변경|바꾸|바꿀|바꿉|바꿔|바꿨|정정|\bchang(?:e|ed|ing)\b|\bswitch(?:ed|ing)?\s+to\b|\bno\s+longer\b|\bmov(?:e|ed|ing)\s+to\b",
    re.I | re.A,
)


def detect_decisions(
    messages: Sequence[Msg],
    *,
    weights: TermWeights | None = None,
    similar: Callable[[str, str], float] | None = None,
    threshold: float = 0.5,
    is_promise: Callable[[str], bool] | None = None,
) -> list[Decision]:
    """Every decision in `messages`, in time order, with `superseded_by` set to the next decision on its subject.

    Without a change word, a later decision supersedes an earlier one only when their subjects overlap strongly
    (`threshold`, IDF-weighted) or `similar` says so; with one, it supersedes the earlier decision it shares the
    most weight with (at least one meaningful word), the most recent on ties. `is_promise` (the commitments
    detector's test, handed in by `extract`) keeps a recap's promises out of its decisions.
    """
    msgs = [m for m in sorted(messages, key=lambda m: m.ts) if m.role == "user"]
    weights = weights or TermWeights(m.content for m in msgs)
    found: list[tuple[Decision, set[str], bool]] = []
    for msg in msgs:
        texts = decision_texts(msg.content, is_promise=is_promise)
        note = _note_items(strip_quotes(msg.content)) is not None
        for text in texts:
            # a chat decision's subject includes its message's other sentences (the reason, what it replaces)
            subject = terms(text) if note else terms(msg.content)
            if _ACK.search(text) and any(
                (msg.ts - d.decided_at).total_seconds() <= 3600 and weights.shared(subject, s) >= 2.0
                for d, s, _ in found
            ):
                continue  # an acknowledgement repeating the decision just made ('넵 X로 갑니다')
            key = " ".join(sorted(subject, key=lambda t: -weights.weight(t))[:5])
            dec = Decision(message_id=msg.id, person=msg.author, text=text[:300], decided_at=msg.ts, subject=key)
            found.append((dec, subject, bool(_CHANGE.search(msg.content))))
    sup: dict[int, str] = {}
    for j, (later, s_later, change) in enumerate(found):
        best, best_w = None, 0.0
        for i in range(j):
            dec, s_dec, _ = found[i]
            if dec.message_id == later.message_id or i in sup:
                continue
            strong = weights.overlap(s_dec, s_later) >= threshold and weights.shared(s_dec, s_later) >= 4.0
            if strong or (similar is not None and similar(dec.text, later.text) >= 0.85):
                sup[i] = later.message_id
            elif change and weights.shared(s_dec, s_later) >= 2.0 and (w := weights.coverage(s_later, s_dec)) >= best_w:
                best, best_w = i, w  # the earlier decision whose subject the change covers best
        if change and best is not None and best not in sup:
            sup[best] = later.message_id
    return [replace(d, superseded_by=sup[i]) if i in sup else d for i, (d, _, _) in enumerate(found)]
