"""How a composed notice leaves the system: SMTP in production, ``.eml`` files in development.

Neither de-duplicates: every send is a delivery. The file transport, like an SMTP relay, keeps a
second send of the same ``Message-ID`` as a second (numbered) file, so a duplicate shows; the
outbox (``activities/notices.py``) is what sends each notice once, and receivers can
de-duplicate on the deterministic id a retry after a crash reuses.
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
    """Writes each message to ``<message-id>.eml`` in ``directory`` (``<message-id>.2.eml``,
    ``.3.eml`` … for each send of it again), whole or not at all, never over another file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        message_id = message["Message-ID"]
        if not message_id:
            raise ValueError("FileTransport needs a Message-ID to name the file")
        await asyncio.to_thread(_write_new_file, self.directory, _file_stem(str(message_id)),
                                message.as_bytes())


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


def _write_new_file(directory: Path, stem: str, data: bytes) -> Path:
    """Write ``data`` to a temporary file, then link it under the first free name: a link
    never replaces a file, so racing sends each get their own."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        copy = 1
        while True:
            path = directory / (f"{stem}.eml" if copy == 1 else f"{stem}.{copy}.eml")
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                copy += 1
    finally:
        os.unlink(tmp)
