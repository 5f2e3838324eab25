"""Sign-in sessions: the random token a browser holds after signing in, stored only as a hash.

Every sign-in (password, sign-up, invite or SSO) starts a session row. The app keeps the token in the
Streamlit session and, with "remember me", in a browser cookie, so a reload or a new tab resumes it.
A token is 32 random bytes (URL-safe text); the database keeps only its SHA-256, so a leaked database
cannot be replayed as sign-ins. Each session expires (`COLLAB_SESSION_DAYS`, default 14 days) and ends
when the person signs out there, signs out everywhere, is disabled, or has their password changed or
reset: a session remembers a fingerprint of the credential it was started with, and a different
credential no longer matches, whichever path changed it (form, admin page, CLI, restore).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Column, DateTime, Engine, ForeignKey, Index, Integer, String, Table, select

from collab_core.errors import ValidationError
from collab_core.models import User
from collab_core.people import audit
from collab_core.people.accounts import Accounts
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import metadata, users

DEFAULT_DAYS = 14
MAX_DAYS = 365
TOKEN_BYTES = 32

signin_sessions = Table(
    "signin_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    # SHA-256 (first 32 hex) of the password hash / SSO marker the session was started with.
    Column("credential", String(32), nullable=False),
    Column("remember", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Index("ix_signin_sessions_user", "user_id"),
)


@dataclass(frozen=True)
class SignIn:
    """A started session: the token to hand to the browser (shown once, never stored) and its expiry."""

    token: str
    user: User
    expires_at: datetime
    remember: bool


def token_hash(token: str) -> str:
    """SHA-256 hex of a token (tokens are 256-bit random, so a plain hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _credential(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode("utf-8")).hexdigest()[:32]


class SessionService:
    """Starts, resumes and ends sign-in sessions. `clock` returns naive UTC now; tests pass their own."""

    def __init__(
        self, engine: Engine, accounts: Accounts, *, days: int = DEFAULT_DAYS, clock: Callable[[], datetime] = utcnow
    ) -> None:
        if not 1 <= days <= MAX_DAYS:
            raise ValidationError(
                f"COLLAB_SESSION_DAYS must be between 1 and {MAX_DAYS}.", hint="The default is 14 days."
            )
        self.engine = engine
        self.accounts = accounts
        self.lifetime = timedelta(days=days)
        self.clock = clock

    def start(self, *, user_id: int, remember: bool = False, now: datetime | None = None) -> SignIn:
        """A new session for a user who just proved who they are (only call after AuthService accepted)."""
        now = now or self.clock()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with write_tx(self.engine) as conn:
            row = conn.execute(select(users.c.password_hash, users.c.disabled).where(users.c.id == user_id)).first()
            if row is None or row[1]:
                raise ValidationError("That account cannot sign in.")
            conn.execute(
                signin_sessions.insert().values(
                    user_id=user_id,
                    token_hash=token_hash(token),
                    credential=_credential(row[0]),
                    remember=bool(remember),
                    created_at=now,
                    expires_at=now + self.lifetime,
                )
            )
            # Expired and ended rows are never needed again.
            conn.execute(signin_sessions.delete().where(signin_sessions.c.expires_at < now - timedelta(days=1)))
        return SignIn(
            token=token, user=self.accounts.get_user(user_id), expires_at=now + self.lifetime, remember=remember
        )

    def resume(self, token: object, *, now: datetime | None = None) -> User | None:
        """The user of a live session, or None (unknown, expired, ended, disabled, credential changed)."""
        if not isinstance(token, str) or not token or len(token) > 128:
            return None
        now = now or self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    signin_sessions.c.user_id,
                    signin_sessions.c.credential,
                    signin_sessions.c.expires_at,
                    signin_sessions.c.ended_at,
                    users.c.password_hash,
                    users.c.disabled,
                )
                .join(users, users.c.id == signin_sessions.c.user_id)
                .where(signin_sessions.c.token_hash == token_hash(token))
            ).first()
        if row is None or row.ended_at is not None or row.expires_at <= now or row.disabled:
            return None
        if not secrets.compare_digest(row.credential, _credential(row.password_hash)):
            return None
        return self.accounts.get_user(row.user_id)

    def end(self, token: object, *, now: datetime | None = None) -> None:
        """Sign out on this browser: the token stops working at once."""
        if not isinstance(token, str) or not token:
            return
        now = now or self.clock()
        with write_tx(self.engine) as conn:
            conn.execute(
                signin_sessions.update()
                .where(signin_sessions.c.token_hash == token_hash(token), signin_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )

    def end_all(self, *, user_id: int, now: datetime | None = None) -> int:
        """Sign out everywhere: every session of the user ends (other browsers within seconds)."""
        now = now or self.clock()
        with write_tx(self.engine) as conn:
            n = conn.execute(
                signin_sessions.update()
                .where(signin_sessions.c.user_id == user_id, signin_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            ).rowcount
            name = conn.execute(select(users.c.username).where(users.c.id == user_id)).scalar_one_or_none()
            audit.record(conn, actor_id=user_id, action="auth.sign_out_everywhere", target=name, at=now)
        return int(n or 0)

    def active_count(self, *, user_id: int, now: datetime | None = None) -> int:
        """Live sessions of the user (for "signed in on N browsers")."""
        now = now or self.clock()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(signin_sessions.c.credential, users.c.password_hash)
                .join(users, users.c.id == signin_sessions.c.user_id)
                .where(
                    signin_sessions.c.user_id == user_id,
                    signin_sessions.c.ended_at.is_(None),
                    signin_sessions.c.expires_at > now,
                )
            ).all()
        return sum(1 for cred, pw in rows if cred == _credential(pw))
