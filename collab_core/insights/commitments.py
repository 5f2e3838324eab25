"""Promise detection: who committed to what by when, and whether it was kept as of `now`.

A promise is a sentence in the speaker's own voice with a first-person future/intent form:
Korean '-ㄹ게요/-ㄹ게' (read from the syllable's final ㄹ: 할게요, 올릴게요, 드릴게요), '-겠습니다/-겠어요' (not
'알겠/좋겠/모르겠'), or a plain '-ㅂ니다' with a future day word ('내일 다시 합니다'); English 'I'll / I will /
I'm going to / let me <act> / will do', or '<thing> will be <done> <date>'. Rejected: questions ('할까요?', '?'),
hypotheticals ('if', '만약', '-면 ... ㅋㅋ'), jokes (laughter right after the promise), requests to others,
quoted text, attendance and courtesies ('I'll dial in', '먼저 들어갈게요', '참고할게요'), a bare '할게요' with no object or '제가' (announcements such
as '이 채널에서 할게요'), and sentences that state a team decision (`decisions.is_decision_sentence`).

Status: done when a later message by the same person reports completion (a past or delivery form, no
'아직/still/not yet', no wish or start) on the same subject (IDF-weighted shared terms, or the promise's own
verb now in the past: '열어드릴게요' -> '열어드렸어요'; a short promise borrows the terms of the message it answers), or when a task the promise names or matches reaches REVIEW/DONE
after it was made; late when the due date passed (in the author's zone) while open; otherwise open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from .dates import local_today, resolve_due
from .decisions import is_decision_sentence
from .model import Commitment, Member, Msg, TaskState
from .text import LAUGH, TermWeights, has_korean_past, has_rieul_final, sentences, strip_quotes, terms

_QUESTION = re.compile(r"\?|까요|ㄹ까|할래요|나요$|가요\?|죠\?")
_HYPOTHETICAL = re.compile(
    r"\bif\b|\bunless\b|\bmaybe\b|\bwould\b|\bI'd\b|만약|혹시|라면|다면|(?<![가-힣])아마", re.I | re.A
)
_REQUEST = re.compile(r"부탁|주세요|주실|줄래|해줘|could you|can you|would you|please|\bpls\b", re.I | re.A)
_ATTENDANCE = re.compile(
    r"\bI'?ll\s+(?:dial|join|attend|be\s+(?:there|late|out|off|back|online|around|away|offline|honest|in\b))\b|\bI'?ll\s+think\s+about\b",
    re.I | re.A,
)
# Office courtesies with a promise ending that promise no work: leaving, breaks, errands ('먼저 들어갈게요').
_KO_NOT_WORK = re.compile(
    r"퇴근|참고할게|참고하겠|들어갈게|들어가\s*보겠|먼저\s*갈게|다녀올게|먹고\s*올게|쉴게|쉬겠|자리\s*비울|감사하겠|잘\s*먹겠|수고하겠"
)
_KO_FUTURE_DAY = re.compile(r"내일|모레|다음\s*주|담주|[월화수목금]요일|주말")
# Syllables before 겠 that make conjecture or set phrases, not intent: 알겠습니다 (understood), 좋겠어요, 모르겠어요.
_KO_INTENT_NOT = frozenset("알좋르찮들되싶같않있없겠")

_EN_PROMISE = re.compile(
    r"\bI\s*(?:'ll|will|’ll|am\s+going\s+to|'m\s+going\s+to|can\s+take)\b"
    r"|\blet\s+me\s+(?:check|look|handle|take|find|ask|review|fix|follow|sort|chase|ping|send|update)"
    r"|\bwill\s+do\b|^\s*(?:ok(?:ay)?[,!]?\s+|sure[,!]?\s+)?will\s+(?!be\b)[a-z]+|\bon\s+it\b|\bleave\s+it\s+to\s+me\b",
    re.I | re.A,
)
_EN_PASSIVE_WILL = re.compile(r"\b(?!you\b|they\b|he\b|she\b|we\b|it\b)\w+\s+will\s+be\s+\w+ed\b", re.I | re.A)
_FIRST_PERSON_KO = re.compile(r"제가|저도|저는|제쪽|내가")
_PLAN_PARTICLE = re.compile(r"(?:에서|만|에|까지|부터)$")
_KO_FORMAL_PRESENT = re.compile(r"[가-힣]*(?:합니다|갑니다|됩니다|드립니다|[가-힣]ㅂ니다)(?:[.!~\s]|$)")

_COMPLETE_EN = re.compile(
    r"\b(?:done|finished|completed|sent|emailed|shipped|merged|pushed|submitted|uploaded|shared|fixed|resolved"
    r"|reviewed|closed|closing|deployed|handed\s+off|is\s+up|are\s+up|is\s+in|are\s+in|is\s+live|lgtm"
    r"|left\s+(?:a\s+few\s+|some\s+)?comments|here\s+(?:is|are)|here's|attached|works)\b|✅",
    re.I | re.A,
)
_COMPLETE_KO = re.compile(
    r"완료(?:했|됐|입니다|이에요|요|함|해서|하고|\s*[!.✅]|\s*$)|끝냈|끝났|공유\s*드[려립]|보내\s*드[려립]|전달\s*드[려립]|올립니다|lgtm|→",
    re.I | re.A,
)
_STILL_OPEN = re.compile(
    r"아직|못\s*했|못\s*하|못\s*댔|안\s*됐|남았|남아|not\s+yet|\bstill\b|haven't|hasn't|pending|waiting|stuck|blocked"
    r"|막혀|진행\s*중|하는\s*중|는\s*중|것\s*같|힘들|려고\s*했|으면\s*좋|좋겠|시작|\bstart(?:ed|ing)?\b|\bwish\b|\bhope\b|기로\s*했|\bplan(?:ned)?\b|\bgoing\s+to\b",
    re.I | re.A,
)
_TASK_REF = re.compile(r"\b([A-Za-z]{1,4}-?\d{1,5})\b|#(\d{1,6})\b")


def _korean_promise(sent: str) -> bool:
    for m in re.finditer(r"([가-힣]+)(게요|께요|게여|게\b|게[.!~ ]|게$)", sent):
        stem = m[1]
        if not has_rieul_final(stem[-1]):
            continue
        before = sent[: m.start()].split()
        if stem == "할" and not _FIRST_PERSON_KO.search(sent) and (not before or _PLAN_PARTICLE.search(before[-1])):
            continue  # bare '할게요' after a place/limit ('이 채널에서 할게요', '30분만 할게요') announces a plan
        return True
    for m in re.finditer(r"([가-힣]*)겠(?:습니다|어요|음)", sent):
        if m[1] and m[1][-1] not in _KO_INTENT_NOT:
            return True
    return bool(_KO_FUTURE_DAY.search(sent) and _KO_FORMAL_PRESENT.search(sent) and not has_korean_past(sent))


def _english_promise(sent: str) -> bool:
    if _ATTENDANCE.search(sent):
        return False
    if _EN_PROMISE.search(sent):
        return True
    return bool(_EN_PASSIVE_WILL.search(sent) and resolve_due(sent, at=datetime(2000, 1, 3)) is not None)


def promise_sentence(text: str) -> str | None:
    """The first sentence of `text` that is a promise in the speaker's voice, or None."""
    found = promise_sentences(text)
    return found[0] if found else None


def promise_sentences(text: str) -> list[str]:
    """Every sentence of `text` that is a promise in the speaker's voice."""
    out: list[str] = []
    for sent in sentences(strip_quotes(text)):
        if _QUESTION.search(sent) or _HYPOTHETICAL.search(sent) or _REQUEST.search(sent) or _KO_NOT_WORK.search(sent):
            continue
        if not (_korean_promise(sent) or _english_promise(sent)):
            continue
        if LAUGH.search(sent) and not re.search(r"농담", sent):
            # laughter after the promise marks a joke ('노트북 펴고 고칠게요 ㅋㅋㅋ'); before it, it is banter
            tail = re.split(r"게요|겠습니다|I'?ll|will", sent, maxsplit=1, flags=re.I | re.A)[-1]
            if LAUGH.search(tail):
                continue
        if is_decision_sentence(sent):
            continue
        out.append(sent)
    return out


def _context(msgs: Sequence[Msg], i: int) -> str:
    """The message a short promise answers: the previous message by someone else within two hours."""
    me = msgs[i]
    for j in range(i - 1, max(-1, i - 4), -1):
        prev = msgs[j]
        if prev.author != me.author and (me.ts - prev.ts).total_seconds() <= 7200:
            return prev.content
    return ""


def _reports_done(text: str) -> bool:
    if _STILL_OPEN.search(text):
        return False
    return bool(has_korean_past(text) or _COMPLETE_KO.search(text) or _COMPLETE_EN.search(text))


def _verb_head(sent: str) -> str | None:
    m = re.search(r"([가-힣]+)(?:게요|께요|겠습니다|겠어요|게)", sent)
    return m[1][0] if m else None


def detect_commitments(
    messages: Sequence[Msg],
    tasks: Sequence[TaskState],
    members: Sequence[Member],
    *,
    now: datetime,
    weights: TermWeights | None = None,
) -> list[Commitment]:
    """Every promise in `messages` (time order) with its due date and status as of `now`."""
    msgs = [m for m in sorted(messages, key=lambda m: m.ts) if m.role == "user" and m.ts <= now]
    zones = {m.name: m.timezone for m in members}
    weights = weights or TermWeights([m.content for m in msgs] + [t.title for t in tasks])
    by_author: dict[str, list[int]] = {}
    for i, m in enumerate(msgs):
        by_author.setdefault(m.author, []).append(i)
    term_cache: dict[int, set[str]] = {}
    out: list[Commitment] = []
    for i, msg in enumerate(msgs):
        found = promise_sentences(msg.content)
        if not found:
            continue
        sent = found[0]
        tz = zones.get(msg.author, "Asia/Seoul")
        # one commitment per message; its date may sit in a later promise sentence ('볼게요. 목요일까지 만들어둘게요')
        due = next((d for s in found if (d := resolve_due(s, at=msg.ts, tz=tz)) is not None), None)
        own = terms(msg.content)
        topic = own | terms(_context(msgs, i)) if len(terms(sent)) < 6 else terms(sent)
        task_id, task_done = _task_evidence(msg, sent, topic, tasks, weights)
        status, done_at, evidence = "open", None, ()
        head = _verb_head(sent)
        for j in by_author[msg.author]:
            later = msgs[j]
            if j <= i or not _reports_done(later.content):
                continue
            lt = term_cache.setdefault(j, terms(later.content))
            same_verb = bool(head) and any(
                w[0] == head and has_korean_past(w) for w in re.findall(r"[가-힣]+", later.content)
            )
            if weights.shared(topic, lt) + (2.0 if same_verb else 0.0) >= 4.0:
                status, done_at, evidence = "done", later.ts, (later.id,)
                break
        if task_done is not None and (done_at is None or task_done[1] < done_at):
            status, done_at, evidence = "done", task_done[1], (task_done[0],)
        if status == "open" and due is not None and due < local_today(now, tz):
            status = "late"
        out.append(
            Commitment(
                message_id=msg.id,
                person=msg.author,
                what=sent[:200],
                made_at=msg.ts,
                due=due,
                status=status,
                done_at=done_at,
                fulfilled_by=evidence,
                task_id=task_id,
            )
        )
    return out


def _task_evidence(
    msg: Msg, sent: str, topic: set[str], tasks: Sequence[TaskState], weights: TermWeights
) -> tuple[str | None, tuple[str, datetime] | None]:
    """The task a promise names (by id) or clearly matches, and when that task reached REVIEW/DONE after it."""
    named = {t.id for t in tasks if re.search(rf"(?<![\w-]){re.escape(t.id)}(?![\w-])", sent, re.A)}
    best, best_score = None, 0.0
    for t in tasks:
        if t.id in named:
            best, best_score = t, 99.0
            break
        s = weights.overlap(topic, terms(f"{t.title} {' '.join(t.labels)}"))
        if t.assignee == msg.author:
            s += 0.1
        if s > best_score:
            best, best_score = t, s
    if best is None or best_score < 0.6:
        return None, None
    for ch in best.history:
        if ch.ts <= msg.ts:
            continue
        if best.id in named or ch.status in ("REVIEW", "DONE"):
            return best.id, (best.id, ch.ts)
    return best.id, None
