"""A system that receives webhooks, on loopback: it checks each request's Standard Webhooks
signature with its secret, keeps what it accepted, and refuses on demand."""

from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from tests.support.loopback import LoopbackServer, Posted, Reply


@dataclass
class Received:
    webhook_id: str
    payload: dict[str, Any]
    raw: str


@dataclass
class WebhookReceiver(LoopbackServer):
    secret: str = ""
    refusing: bool = False  # answer 503 to everything
    received: list[Received] = field(default_factory=list)
    bad_signatures: int = 0

    @property
    def url(self) -> str:
        return f"{super().url}/hooks/ombudsflow"

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.received]

    def types(self) -> list[str]:
        return [str(r.payload["type"]) for r in self.received]

    def answer(self, posted: Posted) -> Reply:
        if self.refusing:
            return Reply(503)
        try:
            payload = Webhook(self.secret).verify(posted.body, posted.headers)
        except WebhookVerificationError:
            self.bad_signatures += 1
            return Reply(401)
        webhook_id = posted.headers["webhook-id"]
        if webhook_id not in self.ids():  # idempotent by webhook-id
            self.received.append(Received(webhook_id, payload, posted.body.decode()))
        return Reply(204)
