"""The CLI's sign-in: the bearer token ``ombudsflow login`` got from the web app, kept for the
commands that follow and deleted by ``ombudsflow logout``.

It lives in the user's config directory (``$XDG_CONFIG_HOME/ombudsflow``, else
``~/.config/ombudsflow``), the folder 0700 and the file 0600 from the moment they exist: the
token lets whoever reads it act as that person until it expires.
"""

import os
from datetime import datetime
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, SecretStr, ValidationError, field_serializer

TOKEN_FILE = "token.json"


class SignIn(BaseModel):
    """Who signed in, to which web app, with which token, until when."""

    url: str
    user: str
    access_token: SecretStr
    expires_at: AwareDatetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @field_serializer("access_token", when_used="json")
    def _token_in_the_file(self, token: SecretStr) -> str:
        return token.get_secret_value()


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/ombudsflow``; ``~/.config/ombudsflow`` when it is unset or relative
    (the XDG base directory specification ignores a relative one)."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".config"
    return base / "ombudsflow"


def token_path() -> Path:
    return config_dir() / TOKEN_FILE


def save_sign_in(sign_in: SignIn) -> Path:
    """Write the sign-in, replacing an earlier one; never readable by others, not for an
    instant (the new file is created 0600 beside the old and renamed over it)."""
    path = token_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    partial = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(sign_in.model_dump_json())
    os.replace(partial, path)
    return path


def load_sign_in() -> SignIn | None:
    """The saved sign-in; None when there is none or the file is not one (then sign in again)."""
    try:
        return SignIn.model_validate_json(token_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValidationError):
        return None


def forget_sign_in() -> bool:
    """Delete the saved sign-in; whether there was one."""
    try:
        token_path().unlink()
    except FileNotFoundError:
        return False
    return True
