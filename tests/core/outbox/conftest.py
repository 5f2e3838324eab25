"""Outbox fixtures: the real SMTP server and a Hub whose e-mail goes to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from collab_core.hub import Hub
from tests.smtp import SmtpServer, smtp  # noqa: F401 (the fixture)


@pytest.fixture
def mail_hub(settings, embedder, smtp: SmtpServer) -> Iterator[Hub]:  # noqa: F811
    from dataclasses import replace

    h = Hub.open(replace(settings, smtp_url=smtp.url, public_url="http://hub.test"), embedder=embedder)
    yield h
    h.close()
