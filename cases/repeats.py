"""Repeated appeals: an applicant who writes again within ``REPEAT_WINDOW`` has the new appeal
linked to their last one at registration, so whoever triages it sees the history at once. The
match is on a keyed hash of the applicant's contact (phone digits, else e-mail), never the
contact itself: the column holds nothing that identifies a person without the deployment's
secret. Anonymous applicants and those with only a postal address are never linked."""

import hashlib
import hmac
import re
from datetime import timedelta

from schemas.appeal import Applicant

REPEAT_WINDOW = timedelta(days=365)
# A Kazakhstan number is its last ten digits, whether written +7, 8 or without either.
PHONE_DIGITS = 10


def applicant_key(applicant: Applicant, secret: bytes) -> str | None:
    """The applicant's key for matching repeats, or None when they cannot be matched."""
    if applicant.anonymous:
        return None
    if applicant.phone:
        identity = "phone:" + re.sub(r"\D", "", applicant.phone)[-PHONE_DIGITS:]
    elif applicant.email:
        identity = "email:" + applicant.email.strip().lower()
    else:
        return None
    return hmac.new(secret, b"appeal-applicant:" + identity.encode(), hashlib.sha256).hexdigest()
