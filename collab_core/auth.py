"""Sign-up, sign-in and lockout: argon2id password hashes, generic failures, time injected for tests.

Five failed attempts for a username within 15 minutes lock it for 15 minutes. Failure messages
never tell whether the username exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select

from . import audit
from .accounts import Accounts, username_key, validate_username
from .db import utcnow, write_tx
from .errors import AccountLockedError, AuthenticationError, ValidationError
from .models import User
from .schema import login_attempts, users

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8
GENERIC_FAILURE = "Wrong username or password."

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > 1024:
        raise ValidationError("A password can be at most 1024 characters.")
    return password


class AuthService:
    """Accounts with passwords. `clock` returns naive UTC now; tests pass their own."""

    def __init__(self, engine: Engine, accounts: Accounts, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.accounts = accounts
        self.clock = clock

    def sign_up(self, *, username: str, password: str, display_name: str | None = None) -> User:
        """Create an account; the first account on an empty system becomes the system admin."""
        name = validate_username(username)
        validate_password(password)
        first = self.accounts.user_count() == 0
        user = self.accounts.create_user(
            username=name, display_name=display_name, password_hash=hash_password(password), is_system_admin=first
        )
        with write_tx(self.engine) as conn:
            audit.record(conn, actor_id=user.id, action="account.create", target=user.username)
        return user

    def sign_in(self, *, username: str, password: str) -> User:
        """Return the user for correct credentials; AuthenticationError (generic) otherwise."""
        key = username_key(username or "")
        now = self.clock()
        if self.is_locked(key, now=now):
            with write_tx(self.engine) as conn:
                audit.record(conn, actor_id=None, actor_name=key[:64], action="auth.locked", at=now)
            raise AccountLockedError(
                "Too many failed sign-ins. Try again in 15 minutes.", hint="Ask an admin if you forgot your password."
            )
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username_key == key)).mappings().first()
        ok = False
        if row is not None and row["password_hash"] and not row["disabled"]:
            try:
                ok = _hasher.verify(row["password_hash"], password or "")
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            # Spend the same time as a real check so timing does not reveal unknown usernames.
            with contextlib.suppress(VerificationError):
                _hasher.verify(_DUMMY_HASH, password or "")
        with write_tx(self.engine) as conn:
            conn.execute(login_attempts.insert().values(username_key=key[:64], at=now, success=ok))
            audit.record(
                conn,
                actor_id=row["id"] if ok and row else None,
                actor_name=key[:64],
                action="auth.sign_in" if ok else "auth.failed",
                at=now,
            )
            if ok and row is not None and _hasher.check_needs_rehash(row["password_hash"]):
                conn.execute(
                    users.update().where(users.c.id == row["id"]).values(password_hash=hash_password(password))
                )
        if not ok or row is None:
            raise AuthenticationError(GENERIC_FAILURE)
        return self.accounts.get_user(row["id"])

    def is_locked(self, key: str, *, now: datetime | None = None) -> bool:
        """Locked when the last 5 attempts within the window all failed and the newest is under 15 min old."""
        now = now or self.clock()
        with self.engine.connect() as conn:
            recent = conn.execute(
                select(login_attempts.c.success, login_attempts.c.at)
                .where(login_attempts.c.username_key == key[:64], login_attempts.c.at > now - WINDOW)
                .order_by(login_attempts.c.at.desc(), login_attempts.c.id.desc())
                .limit(MAX_FAILURES)
            ).all()
        return len(recent) == MAX_FAILURES and not any(ok for ok, _ in recent)

    def set_password(self, *, user_id: int, password: str) -> None:
        validate_password(password)
        with write_tx(self.engine) as conn:
            conn.execute(users.update().where(users.c.id == user_id).values(password_hash=hash_password(password)))
            audit.record(conn, actor_id=user_id, action="account.password")

    def failed_attempts(self, username: str) -> int:
        now = self.clock()
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        login_attempts.c.username_key == username_key(username),
                        login_attempts.c.at > now - WINDOW,
                        login_attempts.c.success.is_(False),
                    )
                ).scalar_one()
            )


_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")
