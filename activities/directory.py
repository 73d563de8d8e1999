"""The authority directory: who a notice goes to, by recipient key and the case's region.

The bundled ``data/authorities.json`` holds placeholder addresses under the reserved
``.example`` TLD; a deployment points ``Settings.authorities_file`` at its own copy. Loading
refuses an incomplete directory, so a missing address fails at worker start-up instead of at
the first alarm of a region nobody tested.

Each entry lists its ``channels`` in the order a notice tries them (by default e-mail only): a
notice goes out on the first, and on the next when it is still undelivered after the policy's
delay (``workflows/notices.py``). A channel needs its address: ``email``, ``phone`` (E.164, for
SMS) or ``webhook`` (the id of a webhook subscription in the store).
"""

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ombudsflow.constants import LANGUAGES
from schemas.activities import EMAIL_PATTERN, Channel, Recipient
from schemas.regions import Region

NATIONAL = frozenset({Recipient.COMMISSIONER, Recipient.COMMITTEE})
# The task's holder is a person of the store (``User.email``), not an entry of the directory.
REGIONAL = frozenset(Recipient) - NATIONAL - {Recipient.HOLDER}

_BUNDLED = "data/authorities.json"


class Authority(BaseModel):
    """A state body (or the ombudsman's own office) and where its notices go."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{7,14}$")
    webhook: str | None = Field(default=None, min_length=1, max_length=64)
    channels: tuple[Channel, ...] = Field(default=(Channel.EMAIL,), min_length=1)
    # The languages its mail is written in: a body's, all three; a person's, their own.
    languages: tuple[str, ...] = LANGUAGES

    @model_validator(mode="after")
    def _each_channel_has_its_address(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels lists a channel twice")
        if Channel.SMS in self.channels and self.phone is None:
            raise ValueError("channel sms needs a phone")
        if Channel.WEBHOOK in self.channels and self.webhook is None:
            raise ValueError("channel webhook needs a webhook subscription id")
        return self

    def address(self, channel: Channel) -> str:
        """Where ``channel`` reaches this body: its e-mail, phone or webhook subscription."""
        address = {Channel.EMAIL: self.email, Channel.SMS: self.phone,
                   Channel.WEBHOOK: self.webhook}[channel]
        assert address is not None  # the validator checked every listed channel's address
        return address

    def name_in(self, language: str) -> str:
        """The body's name in ``kk``, ``ru`` or ``en``."""
        return {"kk": self.kk, "ru": self.ru}.get(language, self.en)


class Directory(BaseModel):
    """National bodies once, and the five regional keys for every one of the 20 regions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    national: dict[Recipient, Authority]
    regions: dict[Region, dict[Recipient, Authority]]

    @model_validator(mode="after")
    def _complete(self) -> Self:
        problems: list[str] = []
        if missing := _names(NATIONAL - set(self.national)):
            problems.append(f"national is missing {missing}")
        if stray := _names(set(self.national) - NATIONAL):
            problems.append(f"national lists regional keys {stray}")
        for region in Region:
            entries = self.regions.get(region)
            if entries is None:
                problems.append(f"region {region.value!r} is missing")
                continue
            if missing := _names(REGIONAL - set(entries)):
                problems.append(f"region {region.value!r} is missing {missing}")
            if stray := _names(set(entries) - REGIONAL):
                problems.append(f"region {region.value!r} lists national keys {stray}")
        if problems:
            raise ValueError("incomplete authority directory: " + "; ".join(problems))
        return self

    @classmethod
    def load(cls, path: Path | None = None) -> Self:
        """Read and validate ``path``, or the bundled directory when ``path`` is None."""
        if path is None:
            text = resources.files("activities").joinpath(_BUNDLED).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return cls.model_validate_json(text)

    def authority(self, recipient: Recipient, region: Region) -> Authority:
        """Who ``recipient`` is for a case in ``region`` (national bodies ignore the region)."""
        if recipient in NATIONAL:
            return self.national[recipient]
        return self.regions[region][recipient]


def _names(keys: Iterable[Recipient]) -> str:
    return ", ".join(sorted(k.value for k in keys))
