"""A system that receives webhooks, on loopback: it checks each request's Standard Webhooks
signature with its secret, keeps what it accepted, and refuses on demand."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    payload: dict[str, Any]
    raw: str


@dataclass
class WebhookReceiver:
    port: int
    secret: str = ""
    refusing: bool = False  # answer 503 to everything
    received: list[Received] = field(default_factory=list)
    bad_signatures: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/ombudsflow"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.received]

    def types(self) -> list[str]:
        return [str(r.payload["type"]) for r in self.received]

    def _accept(self, body: bytes, headers: dict[str, str]) -> int:
        if self.refusing:
            return 503
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            self.bad_signatures += 1
            return 401
        if headers["webhook-id"] not in self.ids():  # idempotent by webhook-id
            self.received.append(Received(headers["webhook-id"], payload, body.decode()))
        return 204

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        accept = self._accept

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(accept(body, headers))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
