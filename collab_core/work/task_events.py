"""What a task change says and sets off: the event text posted to the timeline ("Bob moved 'Logo design' to DONE"),
who acted, and publishing a committed change's messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from collab_core.errors import NotFoundError, ValidationError
from collab_core.store.schema import memberships, users

if TYPE_CHECKING:
    from collab_core.chat.messages import MessageService
    from collab_core.models import Message
    from collab_core.outbox.webhooks import Notifier

log = logging.getLogger(__name__)


@dataclass
class PendingPost:
    """A system message to post once the transaction has committed."""

    author_id: int
    text: str
    meta: dict[str, Any]
    kind: str = "task"
    action: str = "task_write"


@dataclass
class Effects:
    """What to do after a commit: messages to post (in order); webhooks are already queued."""

    posts: list[PendingPost] = field(default_factory=list)


def publish_effects(
    messages_: MessageService,
    notifier: Notifier | None,
    *,
    actor_id: int | None,
    project_id: int,
    effects: Effects,
) -> list[Message | None]:
    """Post the system messages of a committed change (in order) and wake the webhook sender.

    The change itself is already committed: a failure here is logged, never raised, so it never
    undoes or hides the change (the posted message is None then).
    """
    posted: list[Message | None] = []
    for post in effects.posts:
        try:
            posted.append(
                messages_.post_event(
                    actor_id=actor_id,
                    project_id=project_id,
                    content=post.text,
                    kind=post.kind,
                    author_id=post.author_id,
                    meta=post.meta,
                )
            )
        except Exception:
            log.exception("posting the %s message for project %s failed", post.kind, project_id)
            posted.append(None)
    if notifier is not None:
        notifier.kick()
    return posted


def _user_id(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"The {what} must be a user id.")
    return value


def describe_event(
    actor: str,
    title: str | None,
    event: str,
    from_status: str | None,
    to_status: str | None,
    detail: dict[str, Any] | None,
) -> str:
    """The English sentence for a task event; with a title it is the project-memory message."""
    d = detail or {}
    what = f"'{title}'" if title is not None else "the task"
    if event == "created":
        parts = []
        if d.get("assignee"):
            parts.append(f"assignee {d['assignee']}")
        if d.get("due_date"):
            parts.append(f"due {d['due_date']}")
        if d.get("priority") and d["priority"] != "normal":
            parts.append(f"priority {d['priority']}")
        if d.get("labels"):
            parts.append("labels " + ", ".join(d["labels"]))
        if to_status and to_status != "TODO":
            parts.append(f"in {to_status}")
        if d.get("meeting"):
            parts.append(f"from meeting '{d['meeting']}'")
        text = f"{actor} created task {what}" + (f" ({'; '.join(parts)})" if parts else "")
        if title is not None and d.get("description"):
            text += f": {d['description']}"
        return text
    if event == "moved":
        return f"{actor} moved {what} to {to_status}" + (f" (from {from_status})" if from_status else "")
    if event == "reassigned":
        if d.get("to_name"):
            return f"{actor} assigned {what} to {d['to_name']}" + (
                f" (was {d['from_name']})" if d.get("from_name") else ""
            )
        return f"{actor} unassigned {what}" + (f" (was {d['from_name']})" if d.get("from_name") else "")
    if event == "edited":
        changes = d.get("changes", {})
        bits = []
        for key, (old, new) in changes.items():
            if key == "description":
                bits.append("description")
            elif key == "labels":
                bits.append(f"labels {', '.join(new) if new else '(none)'}")
            else:
                bits.append(f"{key.replace('_', ' ')} {old or '(none)'} → {new or '(none)'}")
        return f"{actor} updated {what}" + (f": {'; '.join(bits)}" if bits else "")
    if event == "commented":
        return f"{actor} commented on {what}" + (f": {d['content']}" if d.get("content") else "")
    if event == "deleted":
        return f"{actor} deleted task {what}"
    return f"{actor} changed {what} ({event})"


def acting_user(conn: Connection, actor_id: int | None, project_id: int) -> int:
    """Who a change is attributed to: the actor, or for the operator (None) the project's first owner."""
    if actor_id is not None:
        return actor_id
    uid = conn.execute(
        select(memberships.c.user_id)
        .where(memberships.c.project_id == project_id)
        .order_by((memberships.c.role == "owner").desc(), memberships.c.joined_at, memberships.c.user_id)
        .limit(1)
    ).scalar_one_or_none()
    if uid is None:
        raise ValidationError("The project has no members to attribute this change to.", hint="Add a member first.")
    return int(uid)


def member_name(conn: Connection, project_id: int, user_id: object, what: str = "assignee") -> str:
    """Display name of a project member; NotFoundError when the user is not a member."""
    uid = _user_id(user_id, what)
    name = conn.execute(
        select(users.c.display_name)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.project_id == project_id, users.c.id == uid)
    ).scalar_one_or_none()
    if name is None:
        raise NotFoundError(f"The {what} is not a member of this project.", hint="Choose someone from the team.")
    return str(name)


def display_name(conn: Connection, user_id: int) -> str:
    return str(conn.execute(select(users.c.display_name).where(users.c.id == user_id)).scalar_one())


def _short(text: str, limit: int = 500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
