"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 (a free port), keeping what it receives.

`fail_with` makes it answer every DATA with that SMTP reply (for example "451 4.3.0 try later").
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from email import policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """The aiosmtpd handler: messages received, or a refusal."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.fail_with: str | None = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.fail_with:
            return self.fail_with
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """A running aiosmtpd controller with its URL."""

    def __init__(self, port: int | None = None) -> None:
        self.inbox = Inbox()
        self.port = port or free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


def part(msg: Message, subtype: str) -> str:
    """The decoded text/<subtype> part of a message."""
    for p in msg.walk():
        if p.get_content_type() == f"text/{subtype}":
            return p.get_content()
    raise AssertionError(f"no text/{subtype} part")
