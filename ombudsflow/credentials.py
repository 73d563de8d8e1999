"""Passwords (argon2) and integration API keys: how they are made, stored and checked.

Below both the web app (which checks them) and the CLI (which creates users and keys), so
neither imports the other for them. A key is ``ofk_<id>.<secret>``; only its hash is stored.
"""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
API_KEY_PREFIX = "ofk"
# What an integration key may be allowed to do; integrations never read cases.
KEY_SCOPES = ("reports", "police_decisions", "kdn_decisions", "appeals")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
