"""E-mail over SMTP (COLLAB_SMTP_URL): smtp://user:pass@host:587 upgrades with STARTTLS, smtps:// uses
TLS from the start. A password is never sent over an unencrypted connection. Each message has a plain
text and an HTML part and, for digests, a List-Unsubscribe link."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from collab_core.errors import ValidationError


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send: host, port, TLS mode (starttls / tls), optional credentials."""

    host: str
    port: int
    tls: str
    username: str | None = None
    password: str | None = None

    def describe(self) -> str:
        """host:port without the credentials (for diagnostics)."""
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpTarget:
    """Validate COLLAB_SMTP_URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValidationError(
            "COLLAB_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465.",
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError as exc:
        raise ValidationError("COLLAB_SMTP_URL has an invalid port.") from exc
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        tls="tls" if parts.scheme == "smtps" else "starttls",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    unsubscribe_url: str | None = None,
    message_key: str | None = None,
) -> EmailMessage:
    """A multipart/alternative message; message_key makes the Message-ID stable across retries."""
    msg = EmailMessage()
    name, addr = parseaddr(sender)
    msg["From"] = formataddr((name, addr)) if name else addr
    msg["To"] = to
    msg["Subject"] = subject
    domain = addr.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{message_key}@{domain}>" if message_key else make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


class Mailer:
    """Sends one message per call over a fresh SMTP connection (digests are few; nothing to keep open)."""

    def __init__(self, *, url: str, sender: str, timeout_s: float = 10.0, tls_context: ssl.SSLContext | None = None):
        self.target = parse_smtp_url(url)
        self.sender = sender
        self.timeout_s = timeout_s
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, msg: EmailMessage) -> None:
        """Raises OSError / smtplib.SMTPException on any failure (the deliverer retries)."""
        t = self.target
        if t.tls == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout_s, context=self.tls_context)
        else:
            client = smtplib.SMTP(t.host, t.port, timeout=self.timeout_s)
        with client:
            client.ehlo()
            if t.tls == "starttls" and client.has_extn("starttls"):
                client.starttls(context=self.tls_context)
                client.ehlo()
            elif t.tls == "starttls" and t.username:
                raise smtplib.SMTPException("the server offers no STARTTLS; refusing to send the password in clear")
            if t.username:
                client.login(t.username, t.password or "")
            client.send_message(msg)
