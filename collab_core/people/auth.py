"""Accounts with credentials: sign-up, sign-in, lockout, passwords, SSO mapping and system-admin account management.

Passwords are hashed with argon2id. Failure messages never tell whether a username exists, and an
unknown username costs the same argon2 verification as a known one. Five failed attempts for a
username within 15 minutes lock it for 15 minutes from the fifth failure; attempts made while locked
are refused without checking the password and are not counted. The clock is injected so tests can
move time instead of sleeping.

Accounts that sign in through OIDC single sign-on (Streamlit's st.login) carry a credential marker
instead of a password hash: ``!sso:`` + SHA-256 of the normalised e-mail address. The marker can never
verify as a password, so such an account cannot be taken over through the password form, and a local
username never maps to an SSO identity by name alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, select

from collab_core.errors import (
    AccountLockedError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from collab_core.models import User
from collab_core.people import audit
from collab_core.people.accounts import Accounts, username_key, validate_username
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import login_attempts, users

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
GENERIC_FAILURE = "Wrong username or password."
SSO_PREFIX = "!sso:"
# Names that mean something in the audit log or belong to built-in authors: nobody may register them,
# or a person could pass for the operator or have the assistant's answers attributed to them.
RESERVED_USERNAMES = frozenset(
    {"operator", "system", "assistant", "ai", "bot", "root", "ai-assistant", "ai-assistant-bot", "aiassistant"}
)
# login_attempts rows older than this are never needed again (lock decisions look back 2 windows).
_KEEP_ATTEMPTS = timedelta(days=1)

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"A password can be at most {MAX_PASSWORD} characters.")
    if not password.strip():
        raise ValidationError("A password cannot be only spaces.")
    return password


def sso_marker(email: str) -> str:
    """The credential stored for an SSO account: never a valid argon2 hash."""
    return SSO_PREFIX + hashlib.sha256(normalize_email(email).encode()).hexdigest()


def normalize_email(email: object) -> str:
    if not isinstance(email, str):
        raise AuthenticationError("Single sign-on did not provide an e-mail address.")
    value = email.strip().casefold()
    if len(value) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
        raise AuthenticationError("Single sign-on did not provide a valid e-mail address.")
    return value


@dataclass(frozen=True)
class Account:
    """A user as the system admin sees it: how they sign in and whether they are locked out."""

    user: User
    sign_in: str  # "password", "sso" or "none" (imported authors, who cannot sign in)
    locked: bool


class AuthService:
    """Accounts with credentials. `clock` returns naive UTC now; tests pass their own."""

    def __init__(self, engine: Engine, accounts: Accounts, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.accounts = accounts
        self.clock = clock

    # -- sign-up / sign-in -----------------------------------------------------------------------

    def needs_bootstrap(self) -> bool:
        """True while no system admin exists: the next account signed up becomes the system admin."""
        with self.engine.connect() as conn:
            return _admin_count(conn) == 0

    def sign_up(self, *, username: str, password: str, display_name: str | None = None) -> User:
        """Create an account; while no system admin exists (an empty system, or only the demo's people),
        the account created becomes the system admin."""
        name = _new_username(username)
        validate_password(password)
        hashed = hash_password(password)  # slow: outside the write transaction
        with write_tx(self.engine) as conn:
            # Count and insert in one write transaction so two simultaneous first sign-ups
            # cannot both become system admin.
            _serialise_account_creation(conn)
            first = _admin_count(conn) == 0
            display = self.accounts.check_display_name(conn, display_name or name, username=name)
            user = self.accounts.create_user(
                username=name, display_name=display, password_hash=hashed, is_system_admin=first, conn=conn
            )
            audit.record(
                conn,
                actor_id=user.id,
                action="account.create",
                target=user.username,
                detail={"method": "sign_up", "system_admin": first},
                at=self.clock(),
            )
        return user

    def sign_in(self, *, username: str, password: str) -> User:
        """Return the user for correct credentials; AuthenticationError (generic) otherwise."""
        key = username_key(username if isinstance(username, str) else "")[:64]
        password = password if isinstance(password, str) else ""
        now = self.clock()
        if self.is_locked(key, now=now):
            self._refuse_locked(key, now)
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username_key == key)).mappings().first()
        ok = False
        usable = row is not None and row["password_hash"] and not row["disabled"] and len(password) <= MAX_PASSWORD
        if usable:
            try:
                ok = _hasher.verify(row["password_hash"], password)
            except (VerificationError, InvalidHashError):  # InvalidHash: an SSO marker, never a password
                ok = False
        else:
            # Spend the same time as a real check so timing does not reveal unknown usernames.
            with contextlib.suppress(VerificationError):
                _hasher.verify(_DUMMY_HASH, password[:MAX_PASSWORD])
        with write_tx(self.engine) as conn:
            # Attempts running in parallel may have locked the name while we verified.
            if _lock_until(conn, key, now) is not None:
                ok = False
                locked_now = True
            else:
                locked_now = False
                conn.execute(login_attempts.insert().values(username_key=key, at=now, success=ok))
                conn.execute(login_attempts.delete().where(login_attempts.c.at < now - _KEEP_ATTEMPTS))
            if not locked_now:
                audit.record(
                    conn,
                    actor_id=row["id"] if ok and row else None,
                    actor_name=key,
                    action="auth.sign_in" if ok else "auth.failed",
                    detail={"method": "password"},
                    at=now,
                )
            if ok and row is not None and _hasher.check_needs_rehash(row["password_hash"]):
                conn.execute(
                    users.update().where(users.c.id == row["id"]).values(password_hash=hash_password(password))
                )
        if locked_now:
            self._refuse_locked(key, now)
        if not ok or row is None:
            raise AuthenticationError(GENERIC_FAILURE)
        return self.accounts.get_user(row["id"])

    def _refuse_locked(self, key: str, now: datetime) -> None:
        with write_tx(self.engine) as conn:
            audit.record(conn, actor_id=None, actor_name=key, action="auth.locked", at=now)
        raise AccountLockedError(
            "Too many failed sign-ins. Try again in 15 minutes.", hint="Ask an admin if you forgot your password."
        )

    def sign_in_sso(self, *, email: str, name: str | None = None, email_verified: bool | None = None) -> User:
        """Map an identity confirmed by the OIDC provider to a local account, created on first sign-in.

        The account is found by the SSO marker (e-mail hash), never by username, so an SSO identity
        cannot take over a local account that happens to share a name.
        """
        if email_verified is False:
            raise AuthenticationError("Single sign-on: the provider has not verified this e-mail address.")
        mail = normalize_email(email)
        marker = sso_marker(mail)
        now = self.clock()
        with write_tx(self.engine) as conn:
            _serialise_account_creation(conn)
            row = conn.execute(select(users).where(users.c.password_hash == marker)).mappings().first()
            disabled = row is not None and bool(row["disabled"])
            if disabled:
                audit.record(
                    conn,
                    actor_id=None,
                    actor_name=row["username"],
                    action="auth.failed",
                    detail={"method": "sso"},
                    at=now,
                )
                uid = 0
            elif row is not None:
                audit.record(conn, actor_id=row["id"], action="auth.sign_in", detail={"method": "sso"}, at=now)
                uid = int(row["id"])
            else:
                first = _admin_count(conn) == 0
                username = _free_sso_username(conn, mail)
                display = (name or "").strip() or username
                user = self.accounts.create_user(
                    username=username,
                    display_name=display[:128],
                    password_hash=marker,
                    is_system_admin=first,
                    conn=conn,
                )
                audit.record(
                    conn,
                    actor_id=user.id,
                    action="account.create",
                    target=user.username,
                    detail={"method": "sso", "system_admin": first},
                    at=now,
                )
                audit.record(conn, actor_id=user.id, action="auth.sign_in", detail={"method": "sso"}, at=now)
                uid = user.id
        if disabled:
            raise AuthenticationError("This account is disabled. Ask an admin.")
        return self.accounts.get_user(uid)

    # -- lockout ---------------------------------------------------------------------------------

    def is_locked(self, key: str, *, now: datetime | None = None) -> bool:
        """Whether the username (key or name) is locked out right now."""
        return self.locked_until(key, now=now) is not None

    def locked_until(self, key: str, *, now: datetime | None = None) -> datetime | None:
        """When the lock on this username ends (naive UTC), or None when it is not locked."""
        now = now or self.clock()
        with self.engine.connect() as conn:
            return _lock_until(conn, username_key(key)[:64], now)

    def failed_attempts(self, username: str) -> int:
        """Failed sign-ins for the username in the last 15 minutes (admin display)."""
        now = self.clock()
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        login_attempts.c.username_key == username_key(username)[:64],
                        login_attempts.c.at > now - WINDOW,
                        login_attempts.c.success.is_(False),
                    )
                ).scalar_one()
            )

    # -- passwords -------------------------------------------------------------------------------

    def set_password(
        self, *, actor_id: int | None, user_id: int, password: str, current_password: str | None = None
    ) -> None:
        """Change a password: users change their own (with the current one), system admins reset anyone's.

        actor_id None is the trusted operator (CLI). A reset also lifts a lockout.
        """
        validate_password(password)
        with self.engine.connect() as conn:
            target = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
            if target is None:
                raise NotFoundError("That user does not exist.")
            self_service = actor_id is not None and actor_id == user_id
            if not self_service:
                _require_system_admin(conn, actor_id)
        if str(target["password_hash"] or "").startswith(SSO_PREFIX):
            raise ConflictError(
                "This account signs in with single sign-on and has no password.",
                hint="Its password is managed by the identity provider.",
            )
        if self_service:
            try:
                ok = bool(target["password_hash"]) and _hasher.verify(target["password_hash"], current_password or "")
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok:
                raise AuthenticationError("The current password is wrong.")
        hashed = hash_password(password)
        with write_tx(self.engine) as conn:
            conn.execute(users.update().where(users.c.id == user_id).values(password_hash=hashed))
            conn.execute(login_attempts.delete().where(login_attempts.c.username_key == target["username_key"]))
            audit.record(
                conn,
                actor_id=actor_id,
                action="account.password" if self_service else "account.password_reset",
                target=target["username"],
                at=self.clock(),
            )

    # -- system administration -------------------------------------------------------------------

    def create_account(
        self,
        *,
        actor_id: int | None,
        username: str,
        password: str,
        display_name: str | None = None,
        is_system_admin: bool = False,
    ) -> User:
        """A system admin (or the operator) creates an account with an initial password."""
        name = _new_username(username)
        validate_password(password)
        with self.engine.connect() as conn:
            _require_system_admin(conn, actor_id)
        hashed = hash_password(password)
        with write_tx(self.engine) as conn:
            _serialise_account_creation(conn)
            display = self.accounts.check_display_name(conn, display_name or name, username=name)
            user = self.accounts.create_user(
                username=name,
                display_name=display,
                password_hash=hashed,
                is_system_admin=is_system_admin,
                conn=conn,
            )
            audit.record(
                conn,
                actor_id=actor_id,
                action="account.create",
                target=user.username,
                detail={"method": "admin", "system_admin": is_system_admin},
                at=self.clock(),
            )
        return user

    def list_accounts(self, *, actor_id: int | None) -> list[Account]:
        """Every account, for system admins."""
        now = self.clock()
        with self.engine.connect() as conn:
            _require_system_admin(conn, actor_id)
            rows = conn.execute(select(users).order_by(users.c.username_key)).mappings().all()
            out = []
            for r in rows:
                pw = str(r["password_hash"] or "")
                method = "sso" if pw.startswith(SSO_PREFIX) else ("password" if pw else "none")
                out.append(
                    Account(
                        user=self.accounts.get_user(r["id"]),
                        sign_in=method,
                        locked=_lock_until(conn, r["username_key"], now) is not None,
                    )
                )
        return out

    def set_disabled(self, *, actor_id: int | None, user_id: int, disabled: bool) -> User:
        """Disable (or re-enable) an account: it can no longer sign in and its open sessions end."""
        with write_tx(self.engine) as conn:
            _require_system_admin(conn, actor_id)
            target = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
            if target is None:
                raise NotFoundError("That user does not exist.")
            if disabled and actor_id == user_id:
                raise ConflictError("You cannot disable your own account.")
            if disabled and target["is_system_admin"] and _active_admins(conn) <= 1:
                raise ConflictError("The last system admin cannot be disabled.")
            conn.execute(users.update().where(users.c.id == user_id).values(disabled=bool(disabled)))
            audit.record(
                conn,
                actor_id=actor_id,
                action="account.disable" if disabled else "account.enable",
                target=target["username"],
                at=self.clock(),
            )
        return self.accounts.get_user(user_id)

    def set_system_admin(self, *, actor_id: int | None, user_id: int, value: bool) -> User:
        """Grant or revoke system administration (account management; no project access by itself)."""
        with write_tx(self.engine) as conn:
            _require_system_admin(conn, actor_id)
            target = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
            if target is None:
                raise NotFoundError("That user does not exist.")
            if not value and target["is_system_admin"] and not target["disabled"] and _active_admins(conn) <= 1:
                raise ConflictError("The last system admin cannot lose the role.")
            conn.execute(users.update().where(users.c.id == user_id).values(is_system_admin=bool(value)))
            audit.record(
                conn,
                actor_id=actor_id,
                action="account.admin_grant" if value else "account.admin_revoke",
                target=target["username"],
                at=self.clock(),
            )
        return self.accounts.get_user(user_id)

    def unlock(self, *, actor_id: int | None, user_id: int) -> None:
        """Lift a sign-in lockout (system admins)."""
        with write_tx(self.engine) as conn:
            _require_system_admin(conn, actor_id)
            target = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
            if target is None:
                raise NotFoundError("That user does not exist.")
            conn.execute(login_attempts.delete().where(login_attempts.c.username_key == target["username_key"]))
            audit.record(conn, actor_id=actor_id, action="account.unlock", target=target["username"], at=self.clock())


# -- helpers --------------------------------------------------------------------------------------


def _new_username(username: object) -> str:
    name = validate_username(username)
    bare = re.sub(r"[._\-]", "", username_key(name))
    if username_key(name) in RESERVED_USERNAMES or bare in {re.sub(r"[._\-]", "", r) for r in RESERVED_USERNAMES}:
        raise ValidationError(f"The username {name!r} is reserved.", hint="Choose another username.")
    return name


def _admin_count(conn: Connection) -> int:
    """System admins, enabled or not (a disabled admin still means the system has been set up)."""
    return int(conn.execute(select(func.count()).where(users.c.is_system_admin.is_(True))).scalar_one())


def _active_admins(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count()).where(users.c.is_system_admin.is_(True), users.c.disabled.is_(False))
        ).scalar_one()
    )


def _serialise_account_creation(conn: Connection) -> None:
    """SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs an explicit lock."""
    if conn.dialect.name == "postgresql":
        from collab_core.store.pg import advisory_key

        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({advisory_key('collab:accounts')})")


def _require_system_admin(conn: Connection, actor_id: int | None) -> None:
    """The operator (None) or an enabled system admin; anyone else gets PermissionDeniedError."""
    if actor_id is None:
        return
    row = conn.execute(select(users.c.is_system_admin, users.c.disabled).where(users.c.id == actor_id)).first()
    if row is None or row[1] or not row[0]:
        raise PermissionDeniedError("Only a system admin can manage accounts.")


def _lock_until(conn: Connection, key: str, now: datetime) -> datetime | None:
    """Replay recent attempts: the fifth failure within WINDOW (since the last success) starts a lock.

    A lock that started more than LOCK_TIME ago has ended, and the failures that caused it are then
    older than WINDOW, so looking back WINDOW + LOCK_TIME is enough.
    """
    rows = conn.execute(
        select(login_attempts.c.success, login_attempts.c.at)
        .where(login_attempts.c.username_key == key, login_attempts.c.at > now - WINDOW - LOCK_TIME)
        .order_by(login_attempts.c.at, login_attempts.c.id)
    ).all()
    failures: list[datetime] = []
    until: datetime | None = None
    for ok, at in rows:
        if at > now:
            continue
        if until is not None and at < until:
            continue  # not recorded by sign_in, but a lock is never shortened by stray rows
        if ok:
            failures = []
            continue
        failures = [f for f in failures if f > at - WINDOW]
        failures.append(at)
        if len(failures) >= MAX_FAILURES:
            until = at + LOCK_TIME
            failures = []
    return until if until is not None and until > now else None


def _free_sso_username(conn: Connection, email: str) -> str:
    """A username from the e-mail's local part, suffixed until free."""
    local = email.split("@", 1)[0]
    base = re.sub(r"[^\w.\-]", "", local)
    base = re.sub(r"^[^\w]+|^_+", "", base)[:24] or "user"
    if base.casefold() in RESERVED_USERNAMES:
        base = f"{base}-sso"
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}-{n}"
        try:
            validate_username(candidate)
        except ValidationError:
            candidate = f"user-{n}"
        taken = conn.execute(select(users.c.id).where(users.c.username_key == username_key(candidate))).first()
        if taken is None:
            return candidate
    raise ConflictError("Could not find a free username for this single sign-on account.")


_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")
