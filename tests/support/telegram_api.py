"""A fake Telegram Bot API on loopback: answers ``sendMessage`` and ``answerCallbackQuery``
as Telegram does (``{"ok": true, "result": …}``) and keeps what the bot sent."""

import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from tests.support.loopback import LoopbackServer, Posted, Reply

TOKEN = "123456:TEST-token"


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    buttons: list[str]  # the callback values offered


@dataclass
class FakeBotApi(LoopbackServer):
    sent: list[Sent] = field(default_factory=list)

    def answer(self, posted: Posted) -> Reply:
        prefix = f"/bot{TOKEN}/"
        if not posted.path.startswith(prefix):
            return Reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            result = self._call(posted.path.removeprefix(prefix),
                                _fields(posted.headers, posted.body))
        except LookupError:
            return Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return Reply(200, {"ok": True, "result": result})

    def _call(self, method: str, fields: dict[str, str]) -> Any:
        if method == "sendMessage":
            markup = json.loads(fields.get("reply_markup", "null")) or {"inline_keyboard": []}
            sent = Sent(int(fields["chat_id"]), 1000 + len(self.sent), fields["text"],
                        [b["callback_data"] for row in markup["inline_keyboard"] for b in row])
            self.sent.append(sent)
            return {"message_id": sent.message_id, "date": 1796040000, "text": sent.text,
                    "chat": {"id": sent.chat_id, "type": "private"}}
        if method == "answerCallbackQuery":
            return True
        raise LookupError(method)

def _fields(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """The fields of a form (aiogram sends urlencoded, multipart with files) or JSON body."""
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode()).items()}
    if content_type.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v)
                for k, v in json.loads(body).items()}
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[str(name)] = payload.decode() if isinstance(payload, bytes) else str(payload)
    return fields
