"""Answering a question: the question is saved before any model call; the answer (streamed or whole) is saved as a
role=assistant message by the assistant system user with its checked citations in meta. Without an LLM the assistant
answers from structured data and otherwise lists the most relevant messages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from collab_core import validation
from collab_core.assistant.citations import _CitationStream, clean_citations
from collab_core.assistant.llm import ChatStream
from collab_core.assistant.questions import _DEADLINE_Q, _OPEN_Q, _OWNER_Q, strip_ask_prefix
from collab_core.assistant.values import SETUP_HINT_EN, SETUP_HINT_KO, Answer, Citation, Context, _clip, _fmt_time
from collab_core.errors import CollabError, LLMError, LLMOutputError, ValidationError
from collab_core.memory.query import asks_what_was_said
from collab_core.memory.text import tokenize
from collab_core.models import Message


class Answering:
    """How the assistant answers and saves its answers (mixed into Assistant)."""

    def _project_name(self, project_id: int) -> str:
        try:
            return self.accounts.get_project(actor_id=None, project_id=project_id).name
        except CollabError:
            return ""

    def ask_question(self, *, actor_id: int | None, project_id: int, question: str) -> Message:
        """Save the question (attributed to the asker) before anything else can fail."""
        question = validation.query(question, field="question", allow_empty=False)
        _, text = strip_ask_prefix(question)
        if not text.strip():
            raise ValidationError("Ask a question after @ai.", hint="For example: @ai what is still open?")
        return self.messages.post(
            actor_id=actor_id,
            project_id=project_id,
            content=question.strip(),
            meta={"assistant": "question"},
        )

    def ask(self, *, actor_id: int | None, project_id: int, question: str) -> Answer:
        """Save the question, answer it (LLM or fallback) and save the answer. LLM errors propagate."""
        q = self.ask_question(actor_id=actor_id, project_id=project_id, question=question)
        return self.answer(actor_id=actor_id, question=q)

    def answer(self, *, actor_id: int | None, question: Message) -> Answer:
        """Answer an already saved question (also the retry after an error)."""
        stream = self.answer_stream(actor_id=actor_id, question=question)
        for _ in stream:
            pass
        assert stream.answer is not None
        return stream.answer

    def ask_stream(self, *, actor_id: int | None, project_id: int, question: str) -> AnswerStream:
        """Save the question now; iterate the result for the streamed answer (saved when it ends)."""
        q = self.ask_question(actor_id=actor_id, project_id=project_id, question=question)
        return self.answer_stream(actor_id=actor_id, question=q)

    def answer_stream(self, *, actor_id: int | None, question: Message) -> AnswerStream:
        """A stream answering a saved question; retrieving the context happens here (permission-checked)."""
        with self.engine.connect() as conn:
            from collab_core.people.roles import require

            require(conn, actor_id, question.project_id, "ask")
        ctx = self.build_context(
            actor_id=actor_id, project_id=question.project_id, question=question.content, exclude_ids=[question.id]
        )
        return AnswerStream(self, actor_id=actor_id, question=question, context=ctx)

    def pending_question(self, *, actor_id: int | None, project_id: int, limit: int = 20) -> Message | None:
        """The actor's newest question that has no answer yet (for a Retry button), if any."""
        if actor_id is None:
            return None
        recent = self.messages.latest(actor_id=actor_id, project_id=project_id, limit=limit)
        answered = {
            m.meta.get("question_id")
            for m in recent
            if m.role == "assistant" and isinstance(m.meta, dict) and not m.meta.get("incomplete")
        }
        for m in reversed(recent):
            if (
                m.author_id == actor_id
                and isinstance(m.meta, dict)
                and m.meta.get("assistant") == "question"
                and not m.is_deleted
            ):
                return None if m.id in answered else m
        return None

    def _save_answer(
        self,
        *,
        actor_id: int | None,
        question: Message,
        ctx: Context,
        text: str,
        cited: Sequence[int],
        invalid: Sequence[str],
        generated: bool,
        incomplete: str | None = None,
    ) -> Answer:
        by_id = {m.id: m for m in ctx.messages}
        with self.engine.connect() as conn:
            full = self.messages.fetch(conn, [i for i in cited if i in by_id])
        citations = tuple(Citation(i, full[i].author, full[i].created_at, full[i].content) for i in cited if i in full)
        meta = {
            "assistant": "answer",
            "question_id": question.id,
            "citations": [c.message_id for c in citations],
            "invalid_citations": list(invalid),
            "generated": generated,
            "model": self.llm.model if generated and self.llm else None,
            "context_ids": sorted(ctx.message_ids),
            "context_tokens": ctx.tokens,
        }
        if incomplete:
            meta["incomplete"] = incomplete  # why it stopped: "length" (cut off) or "content_filter"
        saved = self.answer_writer.write(actor_id=actor_id, project_id=question.project_id, content=text, meta=meta)
        return Answer(
            question=question,
            message=saved,
            text=text,
            citations=citations,
            invalid_citations=tuple(invalid),
            generated=generated,
            language=ctx.language,
            context=ctx,
            incomplete=bool(incomplete),
        )

    def fallback_text(self, *, actor_id: int | None, project_id: int, ctx: Context) -> tuple[str, list[int]]:
        """What structured data can answer (open tasks, owners, deadlines, who said what), else the best messages."""
        ko = ctx.language == "ko"
        q = ctx.question
        lines: list[str] = [
            "⚠️ AI 답변 생성이 꺼져 있습니다(언어 모델 미설정). 저장된 데이터로 답합니다."
            if ko
            else "⚠️ Answer generation is off (no language model is configured), so this answer comes from the project data."
        ]
        cited: list[int] = []
        tasks = [t for t in self._tasks(actor_id, project_id) if str(t.status).upper() != "DONE"]
        qterms = set(tokenize(q))

        def matching(ts: list[Any]) -> list[Any]:
            scored = [(len(qterms & set(tokenize(f"{t.title} {getattr(t, 'description', '')}"))), t) for t in ts]
            best = max((s for s, _ in scored), default=0)
            return [t for s, t in scored if s == best and s > 0]

        def task_line(t: Any) -> str:
            owner = t.assignee or ("담당자 없음" if ko else "unassigned")
            due = f", {'마감' if ko else 'due'} {t.due_date.isoformat()}" if getattr(t, "due_date", None) else ""
            late = (" ⏰" + ("지연" if ko else "overdue")) if getattr(t, "overdue", False) else ""
            return f"- {t.title} — {owner} · {t.status}{due}{late}"

        answered = False
        about = matching(tasks)
        if _OWNER_Q.search(q) and about:
            lines.append("작업 보드 기준 담당자:" if ko else "Owners on the task board:")
            lines += [task_line(t) for t in about]
            answered = True
        elif _DEADLINE_Q.search(q) and about:
            lines.append("작업 보드 기준 마감일:" if ko else "Deadlines on the task board:")
            lines += [task_line(t) for t in about]
            answered = True
        elif _OPEN_Q.search(q):
            if tasks:
                lines.append(f"아직 끝나지 않은 작업 {len(tasks)}개:" if ko else f"{len(tasks)} open tasks:")
                lines += [task_line(t) for t in tasks[:15]]
                if len(tasks) > 15:
                    lines.append(f"- … +{len(tasks) - 15}")
            elif self.tasks is not None:
                lines.append(
                    "작업 보드에 열린 작업이 없습니다." if ko else "There are no open tasks on the task board."
                )
            answered = bool(tasks) or self.tasks is not None
        msgs = sorted(ctx.messages, key=lambda m: -m.score)
        if asks_what_was_said(q) and msgs:
            info = self.analyze(project_id=project_id, question=q)
            if info.author_ids:
                names = {m.user_id: m.display_name for m in self._members(project_id)}
                wanted = {names.get(a) for a in info.author_ids}
                said = [m for m in msgs if m.author in wanted][:5]
                if said:
                    lines.append("관련 발언:" if ko else "What they said:")
                    for m in sorted(said, key=lambda m: m.created_at):
                        lines.append(f"- {m.author}, {_fmt_time(m.created_at)}: “{_clip(m.content, 200)}” [#{m.id}]")
                        cited.append(m.id)
                    answered = True
        top = [m for m in msgs if m.id not in cited][: (3 if answered else 5)]
        if top:
            lines.append("관련 메시지:" if ko else "Most relevant messages:")
            for m in sorted(top, key=lambda m: m.created_at):
                lines.append(f"- {m.author}, {_fmt_time(m.created_at)}: “{_clip(m.content, 200)}” [#{m.id}]")
                cited.append(m.id)
        elif not answered:
            lines.append("관련 메시지를 찾지 못했습니다." if ko else "No related messages were found.")
        lines.append(SETUP_HINT_KO if ko else SETUP_HINT_EN)
        return "\n".join(lines), cited


class AnswerStream:
    """Iterate for the answer's text as it streams; `answer` holds the saved Answer afterwards.

    The question is already saved when this exists. An LLMError raised while iterating leaves it
    saved and unanswered, so `Assistant.answer_stream(question=...)` can retry it. A reply the model
    cut off (finish_reason "length") is saved marked incomplete, never as a finished answer, and the
    question stays open for a retry.
    """

    def __init__(self, assistant: Answering, *, actor_id: int | None, question: Message, context: Context) -> None:
        self.assistant = assistant
        self.actor_id = actor_id
        self.question = question
        self.context = context
        self.answer: Answer | None = None
        self.error: LLMError | None = None
        self._llm_stream: ChatStream | None = None
        self._cancelled = False

    @property
    def generated(self) -> bool:
        return self.assistant.generation_on

    def __iter__(self) -> Iterator[str]:
        a = self.assistant
        ctx = self.context
        if self._cancelled:
            return
        if not a.generation_on:
            text, cited = a.fallback_text(actor_id=self.actor_id, project_id=self.question.project_id, ctx=ctx)
            yield text
            self.answer = a._save_answer(
                actor_id=self.actor_id,
                question=self.question,
                ctx=ctx,
                text=text,
                cited=cited,
                invalid=[],
                generated=False,
            )
            return
        assert a.llm is not None
        filt = _CitationStream(ctx.message_ids)
        shown: list[str] = []
        llm_stream = a.llm.stream(messages=a.prompt(ctx, project_name=a._project_name(self.question.project_id)))
        self._llm_stream = llm_stream
        try:
            for delta in llm_stream:
                out = filt.feed(delta)
                if out:
                    shown.append(out)
                    yield out
        except LLMError as exc:
            self.error = exc
            raise
        if llm_stream.cancelled:
            return  # the asker gave up: nothing is saved, the question stays open for a retry
        tail = filt.flush()
        if tail:
            shown.append(tail)
            yield tail
        _, cited, invalid = clean_citations(filt.raw, ctx.message_ids)
        text = "".join(shown).strip()
        if not text:
            self.error = LLMOutputError("The language model returned an empty answer.", hint="Try again.")
            raise self.error
        self.answer = a._save_answer(
            actor_id=self.actor_id,
            question=self.question,
            ctx=ctx,
            text=text,
            cited=cited,
            invalid=invalid,
            generated=True,
            incomplete=llm_stream.finish_reason if llm_stream.truncated else None,
        )

    def cancel(self) -> None:
        """Stop waiting for the model (from any thread): nothing is saved and the question stays open."""
        self._cancelled = True
        if self._llm_stream is not None:
            self._llm_stream.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled
