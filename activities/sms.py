"""SMS through a Kazakhstan provider's HTTP API: Mobizon or SMSC.kz, chosen in the settings.

Each adapter speaks its provider's documented request and answer formats and maps the
provider's delivery states onto three (``SmsState``). A send carries an id fixed by the notice
(the same on every retry): SMSC.kz takes it as the message's ``id``; Mobizon has no client id,
so it goes in the message's campaign name (``params[name]``), where an operator can find a
repeat. Neither adapter logs a phone number or a text.
"""

import hashlib
import re
from enum import StrEnum
from typing import Any, Protocol

import httpx

from ombudsflow.config import Settings


class SmsState(StrEnum):
    PENDING = "pending"  # accepted, not yet known to have reached the phone
    DELIVERED = "delivered"
    FAILED = "failed"  # the provider gave up (unreachable number, expired, rejected)


class SmsError(Exception):
    """The provider refused or could not be reached; the send is retried."""


class SmsGateway(Protocol):
    async def send(self, phone: str, text: str, *, message_id: str) -> str:
        """Hand one SMS to the provider; return the provider's id for it, or raise."""
        ...

    async def state(self, provider_id: str, phone: str) -> SmsState:
        """The provider's latest word on the SMS ``provider_id``."""
        ...


def msisdn(phone: str) -> str:
    """A Kazakhstan number as providers take it, digits only with the country code
    (``+7 701 555 12 34``, ``8 (701) 5551234`` and ``7015551234`` are all ``77015551234``): a
    phone an applicant typed, not one from the directory."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("8"):
        return "7" + digits[1:]
    if len(digits) == 10:
        return "7" + digits
    return digits


def numeric_id(message_id: str) -> int:
    """A positive 31-bit integer fixed by ``message_id``: SMSC.kz's ``id`` is a number."""
    return int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:4]) % (2**31 - 1) + 1


class MobizonGateway:
    """Mobizon's API v1 (``api.mobizon.kz``): ``sendSmsMessage`` and ``getSmsStatus``, the key
    in the query string, answers ``{"code": 0, "data": ..., "message": ...}`` (code 100: taken
    for background processing, also a success), as Mobizon's own PHP client speaks it."""

    ACCEPTED = frozenset({0, 100})
    DELIVERED = frozenset({"DELIVRD"})
    FAILED = frozenset({"UNDELIV", "REJECTD", "EXPIRED", "DELETED"})  # the final ones but one

    def __init__(self, base_url: str, api_key: str, *, sender: str | None = None,
                 timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._sender = sender
        self._timeout = timeout

    async def send(self, phone: str, text: str, *, message_id: str) -> str:
        form = {"recipient": phone.lstrip("+"), "text": text, "params[name]": message_id}
        if self._sender:
            form["from"] = self._sender
        data = await self._call("message/sendsmsmessage", form)
        if not isinstance(data, dict) or "messageId" not in data:
            raise SmsError("Mobizon answered without a messageId")
        return str(data["messageId"])

    async def state(self, provider_id: str, phone: str) -> SmsState:
        data = await self._call("message/getsmsstatus", {"ids[0]": provider_id})
        status = next((str(row.get("status")) for row in data or []
                       if str(row.get("id")) == provider_id), "")
        if status in self.DELIVERED:
            return SmsState.DELIVERED
        return SmsState.FAILED if status in self.FAILED else SmsState.PENDING

    async def _call(self, method: str, form: dict[str, str]) -> Any:
        params = {"output": "json", "api": "v1", "apiKey": self._api_key}
        answer = await _post(f"{self._base_url}/service/{method}", params=params, form=form,
                             within=self._timeout)
        if answer.get("code") not in self.ACCEPTED:
            raise SmsError(f"Mobizon {method}: code {answer.get('code')}: "
                           f"{answer.get('message', '')}")
        return answer.get("data")


class SmscGateway:
    """SMSC.kz's HTTP API: ``/sys/send.php`` and ``/sys/status.php`` with ``fmt=3`` (JSON),
    login and password as parameters, errors as ``{"error": ..., "error_code": n}``."""

    DELIVERED = frozenset({1, 2, 4})  # delivered, read, link followed
    FAILED = frozenset({3, 20, 22, 23, 24, 25})  # expired, undeliverable, bad/forbidden number

    def __init__(self, base_url: str, login: str, password: str, *, sender: str | None = None,
                 timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._credentials = {"login": login, "psw": password}
        self._sender = sender
        self._timeout = timeout

    async def send(self, phone: str, text: str, *, message_id: str) -> str:
        sms_id = str(numeric_id(message_id))
        form = {"phones": phone.lstrip("+"), "mes": text, "id": sms_id, "charset": "utf-8"}
        if self._sender:
            form["sender"] = self._sender
        await self._call("send.php", form)
        return sms_id

    async def state(self, provider_id: str, phone: str) -> SmsState:
        answer = await self._call("status.php", {"id": provider_id,
                                                 "phone": phone.lstrip("+")})
        status = answer.get("status")
        if status in self.DELIVERED:
            return SmsState.DELIVERED
        return SmsState.FAILED if status in self.FAILED else SmsState.PENDING

    async def _call(self, script: str, form: dict[str, str]) -> dict[str, Any]:
        answer = await _post(f"{self._base_url}/sys/{script}", params={"fmt": "3"},
                             form=self._credentials | form, within=self._timeout)
        if "error" in answer:
            raise SmsError(f"SMSC {script}: error {answer.get('error_code')}: "
                           f"{answer['error']}")
        return answer


async def _post(url: str, *, params: dict[str, str], form: dict[str, str], within: float
                ) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=within) as client:
            response = await client.post(url, params=params, data=form)
        response.raise_for_status()
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        # The class and status only: the request holds credentials and the text.
        raise SmsError(f"{type(exc).__name__} from the SMS provider") from None
    if not isinstance(answer, dict):
        raise SmsError("the SMS provider answered with something other than an object")
    return answer


def sms_gateway_from_settings(settings: Settings) -> SmsGateway | None:
    """The gateway ``settings.sms_provider`` names, or None when SMS is off."""
    sender = settings.sms_sender
    if settings.sms_provider == "mobizon":
        key = settings.mobizon_api_key
        if key is None:
            raise ValueError("set OMBUDSFLOW_MOBIZON_API_KEY for sms_provider=mobizon")
        return MobizonGateway(settings.mobizon_url, key.get_secret_value(), sender=sender)
    if settings.sms_provider == "smsc":
        login, password = settings.smsc_login, settings.smsc_password
        if login is None or password is None:
            raise ValueError("set OMBUDSFLOW_SMSC_LOGIN and OMBUDSFLOW_SMSC_PASSWORD for "
                             "sms_provider=smsc")
        return SmscGateway(settings.smsc_url, login, password.get_secret_value(), sender=sender)
    return None
