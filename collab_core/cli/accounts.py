"""Account and membership commands: user add/passwd/disable/enable/list, member add/remove/list."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from collab_core.cli.common import command, emit, open_hub, project_id
from collab_core.errors import NotFoundError, ValidationError
from collab_core.people.roles import ROLES
from collab_core.settings import Settings


def read_new_password(stream: Any = None, *, confirm: bool | None = None) -> str:
    """The new password from stdin: asked twice (no echo) on a terminal, one line from a pipe.

    There is never a default password: an empty answer is an error.
    """
    stream = stream or sys.stdin
    interactive = stream.isatty() if confirm is None else confirm
    if interactive:
        first = getpass.getpass("New password: ")
        second = getpass.getpass("New password again: ")
        if first != second:
            raise ValidationError("The passwords do not match.")
        password = first
    else:
        password = stream.readline().rstrip("\r\n")
    if not password:
        raise ValidationError(
            "No password given.", hint="Type it when asked, or pipe it in: printf '%s\\n' \"$PW\" | ... user add NAME"
        )
    return password


def _find_user(hub: Any, name: str) -> Any:
    user = hub.accounts.find_user(name)
    if user is None:
        raise NotFoundError(f"No user named {name!r}.", hint="Create it with: python -m collab_core user add NAME")
    return user


def _user_payload(u: Any) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "system_admin": u.is_system_admin,
        "disabled": u.disabled,
    }


@command("user")
def _user(args: argparse.Namespace, settings: Settings) -> int:
    if args.user_command == "add":
        password = read_new_password()
        hub = open_hub(settings)
        try:
            user = hub.auth.create_account(
                actor_id=None,
                username=args.name,
                password=password,
                display_name=args.display_name,
                is_system_admin=args.admin,
            )
        finally:
            hub.close()
        role = " (system admin)" if user.is_system_admin else ""
        emit(args, _user_payload(user), f"Created user {user.username!r}{role}.")
        return 0
    if args.user_command == "passwd":
        hub = open_hub(settings)
        try:
            user = _find_user(hub, args.name)
            password = read_new_password()
            hub.auth.set_password(actor_id=None, user_id=user.id, password=password)
        finally:
            hub.close()
        emit(args, {"username": user.username, "password_changed": True}, f"Password of {user.username!r} changed.")
        return 0
    if args.user_command in ("disable", "enable"):
        hub = open_hub(settings)
        try:
            user = _find_user(hub, args.name)
            user = hub.auth.set_disabled(actor_id=None, user_id=user.id, disabled=args.user_command == "disable")
        finally:
            hub.close()
        emit(args, _user_payload(user), f"User {user.username!r} {args.user_command}d.")
        return 0
    hub = open_hub(settings)  # list
    try:
        accounts = hub.auth.list_accounts(actor_id=None)
    finally:
        hub.close()
    rows = [{**_user_payload(a.user), "sign_in": a.sign_in, "locked": a.locked} for a in accounts]
    header = f"{'ID':>4}  {'USERNAME':<24} {'SIGN-IN':<8} FLAGS\n" if rows else ""
    human = header + "\n".join(
        f"{r['id']:>4}  {r['username']:<24} {r['sign_in']:<8}"
        + (" admin" if r["system_admin"] else "")
        + (" disabled" if r["disabled"] else "")
        + (" locked" if r["locked"] else "")
        for r in rows
    )
    emit(args, {"users": rows}, human or "No users yet.")
    return 0


@command("member")
def _member(args: argparse.Namespace, settings: Settings) -> int:
    hub = open_hub(settings)
    try:
        pid = project_id(hub, args.project)
        if args.member_command == "add":
            user = _find_user(hub, args.user)
            m = hub.accounts.set_member(actor_id=None, project_id=pid, user_id=user.id, role=args.role)
            payload = {"project": args.project, "username": m.username, "role": m.role}
            emit(args, payload, f"{m.username} is now {m.role} of {args.project!r}.")
            return 0
        if args.member_command == "remove":
            user = _find_user(hub, args.user)
            hub.accounts.remove_member(actor_id=None, project_id=pid, user_id=user.id)
            emit(args, {"project": args.project, "username": user.username, "removed": True}, "Removed.")
            return 0
        members = hub.accounts.list_members(actor_id=None, project_id=pid)
    finally:
        hub.close()
    rows = [{"username": m.username, "display_name": m.display_name, "role": m.role} for m in members]
    human = "\n".join(f"{r['role']:<7} {r['username']:<24} {r['display_name']}" for r in rows)
    emit(args, {"project": args.project, "members": rows}, human or "No members.")
    return 0


def add_parsers(sub: Any, add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    def leaf(parent: Any, name: str, help_text: str) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        # SUPPRESS keeps `user --json add` working as well as `user add --json`.
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print only one JSON line")
        return p

    p = add("user", "manage accounts: add, passwd, disable, enable, list")
    users_sub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    q = leaf(
        users_sub,
        "add",
        "create an account; the password is read from stdin (asked twice on a terminal, one line from a pipe)",
    )
    q.add_argument("name", help="username (letters of any language, digits, '.', '-', '_')")
    q.add_argument("--admin", action="store_true", help="make the account a system admin")
    q.add_argument("--display-name", help="display name (default: the username)")
    q = leaf(users_sub, "passwd", "set a user's password, read from stdin like `user add`; lifts a lockout")
    q.add_argument("name")
    q = leaf(users_sub, "disable", "disable an account (it can no longer sign in)")
    q.add_argument("name")
    q = leaf(users_sub, "enable", "enable a disabled account")
    q.add_argument("name")
    leaf(users_sub, "list", "list accounts with how they sign in")

    p = add("member", "manage project members: add (or change role), remove, list")
    members_sub = p.add_subparsers(dest="member_command", required=True, metavar="ACTION")
    q = leaf(members_sub, "add", "add USER to PROJECT with a role, or change their role")
    q.add_argument("project", help="project name")
    q.add_argument("user", help="username")
    q.add_argument("--role", required=True, choices=ROLES, help="owner, admin, member or viewer")
    q = leaf(members_sub, "remove", "remove USER from PROJECT (their messages stay attributed to them)")
    q.add_argument("project")
    q.add_argument("user")
    q = leaf(members_sub, "list", "list the members of PROJECT with their roles")
    q.add_argument("project")
