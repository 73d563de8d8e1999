"""Short-lived sign-in tokens (signed, timed); passwords and API keys are in
``ombudsflow/credentials.py``.

A token is the user id signed with the app's secret and a timestamp; it expires after
``Settings.token_minutes``. The same token rides in the web app's session cookie, so the
browser and the API share one authorisation path.
"""

from itsdangerous import BadSignature, URLSafeTimedSerializer

from ombudsflow.config import Settings


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
