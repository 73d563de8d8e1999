"""Passwords (argon2), short-lived sign-in tokens (signed, timed) and integration API keys.

A token is the user id signed with the app's secret and a timestamp; it expires after
``Settings.token_minutes``. The same token rides in the web app's session cookie, so the
browser and the API share one authorisation path.
"""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ombudsflow.config import Settings

_hasher = PasswordHasher()
API_KEY_PREFIX = "ofk"
# What an integration key may be allowed to do; integrations never read cases.
KEY_SCOPES = ("reports", "police_decisions", "kdn_decisions")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="ombudsflow-token")


def issue_token(settings: Settings, user_id: str) -> str:
    return _serializer(settings).dumps(user_id)


def read_token(settings: Settings, token: str) -> str | None:
    """The user id in a valid, unexpired token; None otherwise."""
    try:
        user_id = _serializer(settings).loads(token, max_age=settings.token_minutes * 60)
    except BadSignature:
        return None
    return user_id if isinstance(user_id, str) else None


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: (key id, the full secret to hand out once, the hash to store)."""
    key_id = f"{API_KEY_PREFIX}_{secrets.token_hex(6)}"
    full = f"{key_id}.{secrets.token_urlsafe(32)}"
    return key_id, full, hash_api_key(full)


def hash_api_key(full: str) -> str:
    # A key is 256 random bits, so a plain SHA-256 suffices (no slow hash needed).
    return hashlib.sha256(full.encode()).hexdigest()


def split_api_key(full: str) -> str | None:
    """The key id of a presented key, or None if it is not shaped like one."""
    key_id, dot, rest = full.partition(".")
    return key_id if dot and rest and key_id.startswith(API_KEY_PREFIX + "_") else None


def api_key_matches(stored_hash: str, full: str) -> bool:
    return hmac.compare_digest(stored_hash, hash_api_key(full))
