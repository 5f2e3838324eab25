"""Chat signals the risk radar and the assignment read: task mentions, blockers and what resolves them, work
reported done or started, promises, declines, exclusive knowledge and announced absences (Korean + English).

`ChatSignals` is an accumulator: `add(msg)` folds one message into per-task summaries in time order, so the
radar after a new message costs one message's work plus a pass over tasks. Which task a message is about:
an explicit id ("(t13)"), else the best TF-IDF match of the message against task titles/labels/descriptions;
for status talk with no match ("RBAC merged"), the task the same author talked about last (within 3 days).
The blocked person is the speaker, unless another member is named as the one blocked ("민지님이 막혀 있어요",
"Emily is blocked"); someone merely mentioned ("Daniel님 API가 확정이 안 돼서 못 나가요") is the cause.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .features import Vectorizer, cosine, task_text, tokens
from .model import Member, Msg, TaskState


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.IGNORECASE)


BLOCKED = _rx(
    r"막혀|막혔|막힘|못\s*나가|진행이\s*안\s*(돼|되)|진행을?\s*못|못\s*받아서|안\s*와서|기다리(고|는)\s*(있|중)",
    r"대기\s*중|때문에\s.{0,20}(못\s*하|못하)",
    r"\bblocked\b|\bstuck\b|waiting\s+(on|for)\b|held\s+up|can'?t\s+\w+(\s+\w+)?\s+until\b",
)
NOT_BLOCKED = _rx(  # negated or routine waits: "not blocked", "no blockers", "waiting for review"
    r"\bnot\s+(blocked|stuck)|\bno\s+blockers?\b|\bnothing\s+block|막힌\s*(건|것|게)?\s*없|안\s*막혀",
    r"waiting\s+(on|for)\s+(a\s+|the\s+|your\s+)?(code\s+)?(review|ci|build)|(리뷰|ci|빌드)\S*\s*(기다리|대기)",
)
HYPOTHETICAL = _rx(  # "if X breaks we'd be stuck", "막히면 말해주세요": the blocked verb in a condition
    r"\bif\b.{0,40}\b(stuck|blocked)\b|\b(would|could|might)\s+(be|get)\s+(stuck|blocked)|\w'd\s+be\s+(stuck|blocked)",
    r"\bin\s+case\b|(막히|막혀|막힐|막힌|못\s*나가|안\s*돼|안\s*되)\S{0,3}면|막힐까",
)
UNBLOCKED = _rx(
    r"해결(했|됐|되었|함)|풀렸|받았(어요|습니다|음)|받았다|도착했|왔어요|unblocked|resolved|came\s+through",
    r"finally\s+(arrived|came|got)|\barrived\b|no\s+longer\s+(blocked|stuck)|sorted\s+out",
)
DONE = _rx(
    r"완료(했|됐|되었|입니다|예요|요|함|\s*[!.✅]|$)|끝냈|끝났(어|습)|머지(했|됐|완료)|배포(했|됐|완료)|반영(했|됐)",
    r"닫았|done\s*처리|마무리(했|됐)|다\s*됐",
    r"\bmerged\b|closing\s+(this|it)|\bis\s+live\b|\blive\s+on\b|\bshipped\b|\bdeployed\b|\bfinished\b|handed\s+off",
    r"\bcompleted\b|✅|\b(is|are|'s|all)\s+done\b|\bdone\s+with\b|^\s*done\b",
)
NOT_YET = _rx(r"\bwill\b|\bgoing\s+to\b|\bonce\b|\bif\b|할게요|예정|것\s*같|면\s|아직|\bnot\b|안\s*끝|못\s*끝")
STARTED = _rx(
    r"시작(했|합니다|함|해요)|작업\s*중|하는\s*중|진행\s*중|붙이는\s*중|작성\s*중|\d+\s*%|pr\s*(올렸|올립)",
    r"\bstart(ed|ing)\b|\bworking\s+on\b|\bin\s+progress\b|pr\s+is\s+up|\bdraft\b|초안",
)
DECLINE = _rx(
    r"어려울\s*것\s*같|어려워요|어렵습니다|힘들\s*것\s*같|힘들어요|못\s*할\s*것\s*같|못\s*맡|여유가\s*없",
    r"can'?t\s+take|won'?t\s+be\s+able|don'?t\s+have\s+(the\s+)?(time|bandwidth|capacity)|too\s+busy|no\s+capacity",
    r"\bswamped\b|\bat\s+capacity\b|\bmaxed\s+out\b|full\s+plate|can'?t\s+this\s+week|no\s+time\s+this\s+week",
)
ABSENCE = _rx(
    r"휴가|연차|출장|부재|자리\s*비|\bvacation\b|\bon\s+leave\b|\bpto\b|out\s+of\s+(the\s+)?office|\booo\b",
    r"\b(out|off)\s+(all\s+)?(next|this)\s+week\b|\bday\s+off\b",
)
SOLE_OTHER = _rx(  # "태현님만 만져봤고", "only Daniel knows": the named person
    r"(님|씨)만\s*\S*(알|만져|해\s*봤|다뤄|다룰|권한|접근|계정|할\s*줄|손대|봤)",
    r"\bonly\s+\w+\s+(knows|has\s+access|can|touched|has\s+worked)|nobody\s+(else\s+)?but\s+\w+",
    r"\w+\s+is\s+the\s+only\s+one\b|(님|씨)?밖에\s*(모르|없|못|안)",
)
SOLE_SELF = _rx(  # "제 계정에만 걸려 있어요", "I'm the only one who ...": the speaker
    r"(저|제|나|내)\s*(계정)?에?만\s*\S*(알|권한|접근|걸려|있)|(계정|권한)에만|\bi'?m\s+the\s+only\s+one\b",
    r"nobody\s+else\s+(knows|has|can)",
)
LACK = _rx(  # "저는 한 번도 안 열어봤어요", "I never touched it": someone else holds it
    r"한\s*번도\s*안\s*\S*봤|\bnever\s+(touched|opened|worked\s+on|looked\s+at)\b",
)
ASK = _rx(r"\?|누가|가져가실|맡아\s*주|맡으실|할\s*수\s*있는\s*분|\bwho\b|\bcan\s+someone\b|\banyone\b|\bvolunteer")
_PROMISE_EN = _rx(
    r"\bi'?ll\b|\bi\s+will\b|\bi'?m\s+going\s+to\b|\bleave\s+it\s+to\s+me\b|\bi\s+can\s+(take|pick)\b",
    r"\bi'?m\s+on\s+it\b|\bi('ve|\s+have)?\s+got\s+(it|this)\b",
)
_SENT = re.compile(r"(?<=[.!?。~])\s+|\n+|(?<=요)\s+|(?<=다)\s+")


def is_promise(text: str) -> bool:
    """First-person promise: a verb ending in -ㄹ게요 (할게요, 드릴게요, 정리해둘게요) or "I'll"; not a question."""
    for sent in _SENT.split(text):
        s = sent.strip()
        if not s or s.endswith("?"):
            continue
        if _PROMISE_EN.search(s):
            return True
        for m in re.finditer(r"([가-힣])[게께](요|용|\b)", s):
            code = ord(m.group(1)) - 0xAC00
            if 0 <= code < 11172 and code % 28 == 8:  # final consonant ㄹ
                return True
    return False


_HASH_ID = re.compile(r"(?<![\w&])#(\d+)\b")


def _sentences_matching(rx: re.Pattern[str], text: str) -> list[str]:
    return [s for s in _SENT.split(text) if s and rx.search(s) and not s.strip().endswith("?")]


@dataclass
class Blocker:
    """An open (or resolved) blocker: who is blocked, on which task, first said in `message_id`."""

    person: str
    task_id: str | None
    message_id: str
    ts: datetime
    evidence: list[str] = field(default_factory=list)
    resolved_by: str | None = None
    resolved_at: datetime | None = None


@dataclass
class TaskSignals:
    """What chat says about one task, folded in time order."""

    mentions: list[tuple[datetime, str, str]] = field(default_factory=list)  # (ts, message id, author)
    done: tuple[datetime, str] | None = None
    started: list[str] = field(default_factory=list)
    promises: list[tuple[str, str, datetime]] = field(default_factory=list)  # (person, message id, ts)


class TaskIndex:
    """TF-IDF vectors of the tasks and an inverted index, to find the tasks a message talks about."""

    def __init__(self, tasks: list[TaskState]) -> None:
        docs = {t.id: tokens(task_text(t.title, t.description, t.labels)) for t in tasks}
        self.vectorizer = Vectorizer(docs.values())
        self.vectors = {tid: self.vectorizer.vector(d) for tid, d in docs.items()}
        self.ids = {t.id.lower(): t.id for t in tasks if any(c.isalpha() for c in t.id)}
        self.numeric = {t.id: t.id for t in tasks if t.id.isdigit()}  # "#12" names task 12
        self.inverted: dict[str, list[tuple[str, float]]] = {}
        # A word in very many tasks weighs little and costs a lot to look up: large projects skip it.
        cap = max(50, len(tasks) // 10)
        for tid, vec in self.vectors.items():
            for tok, w in vec.items():
                if self.vectorizer.df[tok] <= cap:
                    self.inverted.setdefault(tok, []).append((tid, w))

    def match(self, text: str, toks: list[str] | None = None) -> list[tuple[str, float]]:
        """Tasks ranked by similarity to `text`; an explicit task id scores 1.0."""
        toks = tokens(text) if toks is None else toks
        explicit = [self.ids[t] for t in dict.fromkeys(toks) if t in self.ids]
        explicit += [self.numeric[n] for n in _HASH_ID.findall(text) if n in self.numeric]
        if explicit:
            return [(tid, 1.0) for tid in explicit]
        vec = self.vectorizer.vector(toks)
        scores: dict[str, float] = {}
        for tok, w in vec.items():
            for tid, tw in self.inverted.get(tok, ()):
                scores[tid] = scores.get(tid, 0.0) + w * tw
        return sorted(scores.items(), key=lambda kv: -kv[1])

    def similarity(self, task_id: str, text: str) -> float:
        return cosine(self.vectorizer.vector(tokens(text)), self.vectors.get(task_id, {}))


MENTION_MIN = 0.2  # cosine a message needs with a task to count as talking about it
MENTION_RATIO = 0.8  # ... and its share of the best task's score
OWN_MIN = 0.06  # weaker match accepted when the task is the speaker's own (status talk) ...
OWN_MARGIN = 1.5  # ... when it beats their next own task by this factor
CONTEXT = timedelta(days=3)
REPLY = timedelta(hours=2)  # a message this soon after another, by someone else, may answer it
PROMISE_LEAD = timedelta(days=1)  # a promise days before the task existed was about something else


class ChatSignals:
    """Per-task and per-person signals from chat, updated one message at a time (messages in time order)."""

    def __init__(self, *, tasks: list[TaskState], members: list[Member]) -> None:
        self.tasks = {t.id: t for t in tasks}
        self.index = TaskIndex(tasks)
        self.names = sorted((m.name for m in members), key=len, reverse=True)
        self.by_task: dict[str, TaskSignals] = {t.id: TaskSignals() for t in tasks}
        self.blockers: list[Blocker] = []
        self.declines: list[tuple[str, str, datetime, str | None]] = []  # (person, msg id, ts, task id)
        self.last_decline: dict[tuple[str, str | None], datetime] = {}  # (person, task id or None) -> latest
        self.exclusive: list[tuple[str, str, datetime, str | None]] = []
        self.absences: list[tuple[str, str, datetime]] = []
        self.authored: dict[str, list[str]] = {}  # person -> message ids (for assignment)
        self.messages: dict[str, Msg] = {}
        self.msg_tasks: dict[str, list[str]] = {}
        self.tokens_of: dict[str, list[str]] = {}  # message id -> tokens (the assignment reuses them)
        self.msg_df: Counter[str] = Counter()  # document frequency of tokens over messages
        self._last_topic: dict[str, tuple[datetime, str]] = {}
        self._prev: tuple[datetime, str, list[str], bool] | None = None
        self._own_tasks: dict[str, list[str]] = {}
        self._unique: dict[str, dict[str, str]] = {}  # person -> word -> the one own task that has it
        for t in tasks:
            if t.assignee and t.status != "DONE":
                self._own_tasks.setdefault(t.assignee, []).append(t.id)
        common = {tok for tok, df in self.index.vectorizer.df.items() if df > max(2, 0.25 * len(tasks))}
        self._task_words = {t.id: set(tokens(task_text(t.title, "", t.labels), bigrams=False)) - common for t in tasks}

    def retask(self, tasks: list[TaskState]) -> None:
        """New states of the same tasks (same texts): status, assignee and due may have changed."""
        self.tasks = {t.id: t for t in tasks}
        self._own_tasks = {}
        for t in tasks:
            if t.assignee and t.status != "DONE":
                self._own_tasks.setdefault(t.assignee, []).append(t.id)
        self._unique = {}

    def add_all(self, messages: list[Msg]) -> ChatSignals:
        for msg in sorted(messages, key=lambda m: m.ts):
            self.add(msg)
        return self

    @staticmethod
    def _about(ranked: list[tuple[str, float]]) -> list[str]:
        if not ranked or ranked[0][1] < MENTION_MIN:
            return []
        top = ranked[0][1]
        return [tid for tid, s in ranked if s >= max(MENTION_MIN, MENTION_RATIO * top)]

    def _own(self, ranked: list[tuple[str, float]], person: str) -> str | None:
        """The best-matching task `person` holds: people report status about their own work."""
        own = [(tid, score) for tid, score in ranked if score >= OWN_MIN and self.tasks[tid].assignee == person]
        if not own or (len(own) > 1 and own[0][1] < OWN_MARGIN * own[1][1]):
            return None  # none, or ambiguous between two of their own tasks
        return own[0][0]

    def _touched(self, author: str, text: str) -> list[str]:
        """The author's own tasks named by a word no other task of theirs has ("배치가 먼저" → their batch task)."""
        own = self._own_tasks.get(author, [])
        if not own:
            return []
        unique = self._unique.get(author)
        if unique is None:
            counts: dict[str, int] = {}
            for tid in own:
                for w in self._task_words[tid]:
                    counts[w] = counts.get(w, 0) + 1
            unique = {}
            for tid in own:
                for w in self._task_words[tid]:
                    if counts[w] == 1:
                        unique[w] = tid
            self._unique[author] = unique
        return list(dict.fromkeys(unique[w] for w in tokens(text, bigrams=False) if w in unique))

    def _context_task(self, author: str, ts: datetime) -> str | None:
        last = self._last_topic.get(author)
        if last and ts - last[0] <= CONTEXT:
            return last[1]
        open_tasks = self._own_tasks.get(author, [])
        return open_tasks[0] if len(open_tasks) == 1 else None

    def _named_blocked(self, text: str, author: str) -> str | None:
        for name in self.names:
            if name == author:
                continue
            n = re.escape(name)
            ko = rf"{n}\s*(님|씨)?\s*(이|가|은|는|도)\s.{{0,30}}?(막혀|막혔|못\s*나가|진행이\s*안)"
            en = rf"\b{n}\s+(is|was|has\s+been|'s|seems)\s+(still\s+)?(blocked|stuck|waiting)"
            if re.search(ko, text) or re.search(en, text, re.IGNORECASE):
                return name
        return None

    def add(self, msg: Msg) -> list[str]:
        """Fold one message in; returns the ids of the tasks it concerns."""
        if msg.role != "user" or msg.kind == "system":
            return []
        text = msg.content
        self.messages[msg.id] = msg
        self.authored.setdefault(msg.author, []).append(msg.id)
        toks = tokens(text)
        self.tokens_of[msg.id] = toks
        self.msg_df.update(set(toks))
        ranked = self.index.match(text, toks)
        about = self._about(ranked)
        self.msg_tasks[msg.id] = about
        for tid in about:
            self.by_task[tid].mentions.append((msg.ts, msg.id, msg.author))
        if about:
            self._last_topic[msg.author] = (msg.ts, about[0])
        main = about[0] if about else None
        own = self._own(ranked, msg.author)
        touched = self._touched(msg.author, text)
        if all(tid in self._own_tasks.get(msg.author, ()) for tid in about):
            for tid in touched:
                if tid not in about:
                    self.by_task[tid].mentions.append((msg.ts, msg.id, msg.author))
        single = touched[0] if len(touched) == 1 else None
        status_task = own or single or main or self._context_task(msg.author, msg.ts)
        blocked = [
            b for b in _sentences_matching(BLOCKED, text) if not NOT_BLOCKED.search(b) and not HYPOTHETICAL.search(b)
        ]
        negated = not blocked and bool(NOT_BLOCKED.search(text)) and not re.search(r"review|리뷰", text, re.I)
        resolved = bool(UNBLOCKED.search(text)) or negated
        if blocked and not resolved:
            person = self._named_blocked(text, msg.author) or msg.author
            task_id = self._own(ranked, person) or main or self._context_task(person, msg.ts)
            self._add_blocker(person, task_id, msg)
        elif resolved:
            self._resolve(msg, [t for t in (*about, status_task) if t])
        done = [d for d in _sentences_matching(DONE, text) if not NOT_YET.search(d)]
        if not (own or single or main):  # only the conversation points at the task: a bare ✅ is not enough
            done = [d for d in done if DONE.search(d.replace("✅", ""))]
        if status_task and done:
            self.by_task[status_task].done = (msg.ts, msg.id)
        elif status_task and STARTED.search(text) and not is_promise(text):
            self.by_task[status_task].started.append(msg.id)
        promised = main
        prev = self._prev
        if (
            promised is None
            and prev
            and prev[1] != msg.author
            and msg.ts - prev[0] <= REPLY
            and len(prev[2]) == 1
            and prev[3]
        ):
            promised = prev[2][0]  # "I'll take it" answering a request for someone to take one task
        created = self.tasks[promised].created_at if promised else None
        if (
            promised
            and is_promise(text)
            and not DECLINE.search(text)
            and (created is None or msg.ts >= created - PROMISE_LEAD)
        ):
            self.by_task[promised].promises.append((msg.author, msg.id, msg.ts))
        self._prev = (msg.ts, msg.author, about, bool(ASK.search(text)))
        if DECLINE.search(text):
            self.declines.append((msg.author, msg.id, msg.ts, main))
            self.last_decline[(msg.author, main)] = msg.ts
        holder = self._sole_holder(text, msg.author, main)
        if holder:
            self.exclusive.append((holder, msg.id, msg.ts, main))
        if ABSENCE.search(text) and not text.strip().endswith("?"):
            self.absences.append((msg.author, msg.id, msg.ts))
        return about

    def _sole_holder(self, text: str, author: str, task_id: str | None) -> str | None:
        """Who chat says is the only one who knows or can do something, if anyone."""
        named = [n for n in self.names if n != author and n in text]
        if SOLE_OTHER.search(text) and named:
            return named[0]
        if SOLE_SELF.search(text):
            return author
        if LACK.search(text):
            holder = named[0] if named else (self.tasks[task_id].assignee if task_id else None)
            return holder if holder != author else None
        return None

    def _add_blocker(self, person: str, task_id: str | None, msg: Msg) -> None:
        for b in self.blockers:
            if b.resolved_by is None and b.person == person and b.task_id == task_id:
                b.evidence.append(msg.id)
                return
        self.blockers.append(Blocker(person, task_id, msg.id, msg.ts, [msg.id]))

    def _resolve(self, msg: Msg, about: list[str]) -> None:
        for b in self.blockers:
            if b.resolved_by is not None:
                continue
            if (b.task_id is not None and b.task_id in about) or (
                b.person == msg.author and (not about or b.task_id is None)
            ):
                b.resolved_by, b.resolved_at = msg.id, msg.ts
                b.evidence.append(msg.id)

    def open_blockers(self) -> list[Blocker]:
        return [b for b in self.blockers if b.resolved_by is None]

    def last_activity(self, task: TaskState) -> datetime | None:
        """Latest board change or chat mention of `task`."""
        times = [c.ts for c in task.history]
        if task.created_at:
            times.append(task.created_at)
        sig = self.by_task.get(task.id)
        if sig and sig.mentions:
            times.append(sig.mentions[-1][0])
        return max(times) if times else None
