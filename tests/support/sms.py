"""Fake SMS providers on loopback, speaking Mobizon's and SMSC.kz's HTTP formats: real HTTP,
a phone book of what arrived, delivery reports the test sets, and an outage on demand."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackServer, Posted, Reply

MOBIZON_KEY = "test-mobizon-key"
SMSC_LOGIN, SMSC_PASSWORD = "ombudsflow", "test-smsc-password"


@dataclass
class Sms:
    provider_id: str
    phone: str
    text: str
    client_id: str  # SMSC's id, Mobizon's params[name]: fixed by the notice


@dataclass
class SmsProvider(LoopbackServer):
    """Both providers' APIs on one port (their paths do not overlap)."""

    received: list[Sms] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Mobizon's status word or SMSC's status number for every SMS, as the test wants it.
    mobizon_status: str = "DELIVRD"
    smsc_status: int = 1
    mobizon_code: int = 0  # of an accepted send: 0, or 100 (taken for background processing)

    def answer(self, posted: Posted) -> Reply:
        url = urlsplit(posted.path)
        form = _flat(parse_qs(posted.body.decode()))
        return Reply(200, self._answer(url.path, _flat(parse_qs(url.query)), form))

    def _answer(self, path: str, query: dict[str, str], form: dict[str, str]
                ) -> dict[str, Any] | list[Any]:
        self.requests.append({"path": path, **query, **form})
        if path.startswith("/service/"):
            if query.get("apiKey") != MOBIZON_KEY or query.get("output") != "json":
                return {"code": 8, "data": [], "message": "Invalid API key"}
            return self._mobizon(path.removeprefix("/service/"), form)
        if form.get("login") != SMSC_LOGIN or form.get("psw") != SMSC_PASSWORD:
            return {"error": "authorise error", "error_code": 2}
        return self._smsc(path, form)

    def _mobizon(self, method: str, form: dict[str, str]) -> dict[str, Any]:
        if method == "message/sendsmsmessage":
            sms = Sms(str(1000 + len(self.received)), form["recipient"], form["text"],
                      form.get("params[name]", ""))
            self.received.append(sms)
            return {"code": self.mobizon_code, "message": "",
                    "data": {"campaignId": "1", "messageId": sms.provider_id, "status": 1}}
        if method == "message/getsmsstatus":
            ids = {v for k, v in form.items() if k.startswith("ids[")}
            return {"code": 0, "message": "", "data": [
                {"id": s.provider_id, "status": self.mobizon_status, "segNum": "1",
                 "startSendTs": "2026-11-30 12:00:00", "statusUpdateTs": "2026-11-30 12:00:05"}
                for s in self.received if s.provider_id in ids]}
        return {"code": 12, "data": [], "message": "Unknown method"}

    def _smsc(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        if path == "/sys/send.php":
            sms = Sms(form["id"], form["phones"], form["mes"], form["id"])
            self.received.append(sms)
            return {"id": int(sms.provider_id), "cnt": 1}
        if path == "/sys/status.php":
            if not any(s.provider_id == form.get("id") for s in self.received):
                return {"status": -3, "err": 0}
            return {"status": self.smsc_status, "last_date": "30.11.2026 12:00:00",
                    "last_timestamp": 1796040000, "flag": 0, "err": 0}
        return {"error": "invalid url", "error_code": 1}


def _flat(values: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in values.items()}
