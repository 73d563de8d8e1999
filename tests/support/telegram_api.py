"""A fake Telegram Bot API on loopback: answers ``sendMessage`` and ``answerCallbackQuery``
as Telegram does (``{"ok": true, "result": …}``) and keeps what the bot sent."""

import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "123456:TEST-token"


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    buttons: list[str]  # the callback values offered


@dataclass
class FakeBotApi:
    port: int
    sent: list[Sent] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

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

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        call = self._call

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                prefix = f"/bot{TOKEN}/"
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not self.path.startswith(prefix):
                    self._answer(401, {"ok": False, "error_code": 401,
                                       "description": "Unauthorized"})
                    return
                try:
                    result = call(self.path.removeprefix(prefix), _fields(self.headers, body))
                except LookupError:
                    self._answer(404, {"ok": False, "error_code": 404,
                                       "description": "Not Found"})
                    return
                self._answer(200, {"ok": True, "result": result})

            def _answer(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _fields(headers: Any, body: bytes) -> dict[str, str]:
    """The fields of a form (aiogram sends urlencoded, multipart with files) or JSON body."""
    content_type = headers.get("Content-Type", "")
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
