"""The system's own mail, one shape for all of it: notices, reminders, digests, the letters
about an appeal and the reports' mail.

Each message says it was sent by a machine (RFC 3834 ``Auto-Submitted``: auto-responders do not
answer it), carries a ``Message-ID`` fixed by what it is (a retry sends the same message) and
the clause it is about, and has its text in UTF-8, base64-encoded: any relay carries it
unchanged. The library picked base64 for our Cyrillic text anyway, but only after encoding
each body both ways to compare the lengths; naming it spares that.
"""

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime


def machine_mail(*, subject: str, sender: str, to: str, message_id: str, now: datetime,
                 clause: str, body: str, headers: Mapping[str, str] | None = None
                 ) -> EmailMessage:
    """A message from ``sender`` to ``to`` about ``clause``; ``headers``: the
    ``X-Ombudsflow-…`` ones naming what it is about (its case, appeal, outbox key)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message["X-Ombudsflow-Clause"] = clause
    message.set_content(body, cte="base64")
    return message
