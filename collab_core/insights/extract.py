"""One entry point for the offline detectors: `extract(messages, tasks, members, now=...)` -> `Insights`.

Services and the eval call this; it drops assistant/system messages (output is never evidence, DESIGN §8) and
messages after `now`, builds one IDF table for the project, and runs the commitment, decision and
board-sync detectors on the same view of the history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .board_sync import detect_proposals
from .commitments import detect_commitments, promise_sentence
from .decisions import detect_decisions
from .model import Commitment, Decision, Member, Msg, Proposal, TaskState
from .text import TermWeights


@dataclass(frozen=True)
class Insights:
    commitments: tuple[Commitment, ...] = ()
    decisions: tuple[Decision, ...] = ()
    proposals: tuple[Proposal, ...] = ()


def extract(
    messages: Sequence[Msg],
    tasks: Sequence[TaskState],
    members: Sequence[Member],
    *,
    now: datetime,
    similar: Callable[[str, str], float] | None = None,
) -> Insights:
    """Commitments (with status as of `now`), decisions (with supersession) and board-sync proposals."""
    msgs = sorted((m for m in messages if m.role == "user" and m.ts <= now), key=lambda m: m.ts)
    weights = TermWeights([m.content for m in msgs] + [t.title for t in tasks])
    return Insights(
        commitments=tuple(detect_commitments(msgs, tasks, members, now=now, weights=weights)),
        decisions=tuple(
            detect_decisions(
                msgs, weights=weights, similar=similar, is_promise=lambda s: promise_sentence(s) is not None
            )
        ),
        proposals=tuple(detect_proposals(msgs, tasks, now=now, weights=weights)),
    )
