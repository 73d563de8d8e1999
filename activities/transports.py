"""How a composed notice leaves the system: SMTP in production, ``.eml`` files in development.

Both are idempotent per ``Message-ID`` as far as they can be: the file transport overwrites the
same file, and SMTP receivers can de-duplicate on the deterministic id a retry reuses.
"""

import asyncio
import os
import re
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from ombudsflow.config import Settings


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` over for delivery; raise if it was not accepted."""
        ...


class SmtpTransport:
    """Delivery through an SMTP relay (one connection per message: notices are rare)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            start_tls=self._starttls,
            timeout=self._timeout,
        )


class FileTransport:
    """Writes each message to ``<message-id>.eml`` in ``directory``, replacing it atomically,
    so a reader never sees half a message and a resend leaves one file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        message_id = message["Message-ID"]
        if not message_id:
            raise ValueError("FileTransport needs a Message-ID to name the file")
        path = self.directory / f"{_file_stem(str(message_id))}.eml"
        await asyncio.to_thread(_write_atomically, path, message.as_bytes())


def transport_from_settings(settings: Settings) -> Transport:
    """The transport ``settings.mail_transport`` names."""
    if settings.mail_transport == "file":
        return FileTransport(settings.mail_dir)
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


def _file_stem(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]", "_", message_id.strip().strip("<>"))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
